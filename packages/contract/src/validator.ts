import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Check, Errors } from 'typebox/value';
import { Settings } from 'typebox/system';
import { bytesLimits, isBytesSchema } from './bytes.ts';

/** One failing location in a value: a JSON Pointer into the value and what was wrong there. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Checks values against one schema. */
export interface Validator {
  check(value: unknown): boolean;
  /** Every failing path (capped), for error details. Only call after `check` failed. */
  issues(value: unknown): ValidationIssue[];
}

const MAX_ISSUES = 20;

type Localized = ReturnType<typeof Errors>;

/** Every failing path of `errors` (run with TypeBox's issue cap raised for this call only, and put back). */
function issuesOf(errors: () => Localized): ValidationIssue[] {
  // TypeBox stops at its global `maxErrors` (8).
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_ISSUES });
  try {
    return errors()
      .slice(0, MAX_ISSUES)
      .map((e) => ({ path: e.instancePath === '' ? '/' : e.instancePath, message: e.message }));
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

/** A validator over a prepared schema (see withBytesChecks), compiled to JavaScript. */
function compiledOf(prepared: TSchema): Validator {
  const compiled = Compile(prepared);
  return {
    check: (value) => compiled.Check(value),
    issues: (value) => issuesOf(() => compiled.Errors(value)),
  };
}

/** A validator over a prepared schema on TypeBox's interpreter: nothing compiled, slower per check. */
function interpretedOf(prepared: TSchema): Validator {
  return {
    check: (value) => Check(prepared, value),
    issues: (value) => issuesOf(() => Errors(prepared, value)),
  };
}

/** Compiles a schema (TypeBox or plain JSON Schema) into a validator. */
export function compileValidator(schema: TSchema): Validator {
  return compiledOf(withBytesChecks(schema) as TSchema);
}

/**
 * A validator that costs nothing until it is used, then checks on TypeBox's interpreter until it
 * has checked `compileAfter` values, and only then compiles its schema: a cell compiles only the
 * schemas of the methods it is called with, often, and a cell's first calls are not held up by
 * compiling (~1-3 ms a schema on a cold start, against ~0.1 ms for an interpreted check).
 */
export function lazyValidator(schema: TSchema, compileAfter = 16): Validator {
  let checks = 0;
  let prepared: TSchema | undefined;
  let interpreted: Validator | undefined;
  let compiled: Validator | undefined;
  const current = (): Validator => {
    if (compiled) return compiled;
    prepared ??= withBytesChecks(schema) as TSchema;
    if (checks >= compileAfter) return (compiled = compiledOf(prepared));
    return (interpreted ??= interpretedOf(prepared));
  };
  return {
    check: (value) => {
      const v = compiled ?? current();
      checks++;
      return v.check(value);
    },
    issues: (value) => current().issues(value),
  };
}

interface Refinement {
  check(value: unknown): boolean;
  error(value: unknown): string;
}

/** The check of a bytes schema: a Uint8Array (a Buffer is one) within its byte limits. */
function bytesRefinement(schema: Record<string, unknown>): Refinement {
  const { minBytes = 0, maxBytes = Infinity } = bytesLimits(schema);
  return {
    check: (v) => v instanceof Uint8Array && v.byteLength >= minBytes && v.byteLength <= maxBytes,
    error: (v) =>
      !(v instanceof Uint8Array)
        ? 'must be bytes (a Uint8Array)'
        : v.byteLength > maxBytes
          ? `must not have more than ${maxBytes} bytes`
          : `must not have fewer than ${minBytes} bytes`,
  };
}

/** Keywords whose values are data, not schemas. */
const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

/**
 * The schema with each bytes schema in it (its JSON form says `type: 'string'`, the base64 text
 * of the HTTP door) replaced by a TypeBox refinement that checks a Uint8Array and its byte
 * limits, keeping refinements of its own. Everything else is kept as it is, TypeBox's hidden
 * markers included; a schema without bytes is returned unchanged.
 */
function withBytesChecks(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (isBytesSchema(node)) {
    const own = (node as { '~refine'?: unknown })['~refine'];
    return { '~refine': [bytesRefinement(node as Record<string, unknown>), ...(Array.isArray(own) ? (own as Refinement[]) : [])] };
  }
  if (Array.isArray(node)) {
    const items = node.map(withBytesChecks);
    return items.some((v, i) => v !== node[i]) ? items : node;
  }
  let copy: object | undefined;
  for (const key of Object.keys(node)) {
    if (DATA_KEYWORDS.has(key)) continue;
    const value = (node as Record<string, unknown>)[key];
    const next = withBytesChecks(value);
    if (next === value) continue;
    copy ??= Object.create(Object.getPrototypeOf(node) as object | null, Object.getOwnPropertyDescriptors(node)) as object;
    Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return copy ?? node;
}
