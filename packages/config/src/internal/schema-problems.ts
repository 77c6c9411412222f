import type { TSchema } from 'typebox';
import type { TLocalizedValidationError } from 'typebox/error';
import { Settings } from 'typebox/system';
import { describe } from '../units.ts';
import { didYouMean } from './did-you-mean.ts';
import type { KeyPath, ProblemReport } from './problem-report.ts';
import { compiled, type Wording } from './schema-kit.ts';

// Turns what TypeBox finds wrong into cell.toml problems: one per key, worded by the schema
// (`expected`, `message`, `missing`), unknown keys with "did you mean" and the keys allowed.

type SchemaError = TLocalizedValidationError;
type SchemaNode = Record<string, unknown> & Wording;

/** Raw errors collected per check, at most: enough for any real file, bounded for a hostile one. */
export const MAX_SCHEMA_ERRORS = 10_000;

/** Checks `value` against `schema`, adding a problem to `report` for each key that fails. */
export function reportSchemaProblems(schema: TSchema, value: unknown, report: ProblemReport): void {
  const validator = compiled(schema);
  if (validator.Check(value)) return;
  const errors = collectErrors(() => validator.Errors(value));
  if (errors.length >= MAX_SCHEMA_ERRORS) report.markCountIncomplete();
  const reported = new Set<string>();
  for (const error of withoutUnionNoise(errors)) {
    for (const { path, message } of explain(error, schema, value)) {
      const id = path.join('\0');
      if (reported.has(id)) continue;
      reported.add(id);
      report.add(path, message);
    }
  }
}

/**
 * TypeBox buffers 8 errors by default (a process-wide setting); cell.toml reports every problem
 * at once, so the limit is raised for this synchronous call only, as TypeBox does for Parse.
 */
function collectErrors(run: () => SchemaError[]): SchemaError[] {
  const previous = Settings.Get().maxErrors;
  Settings.Set({ maxErrors: MAX_SCHEMA_ERRORS });
  try {
    return run();
  } finally {
    Settings.Set({ maxErrors: previous });
  }
}

/**
 * A value failing a union fails every branch; only one says something useful. When exactly one
 * branch takes the value's kind (a table for a table branch, a string for a string one), its own
 * errors are kept and the union's dropped; otherwise the union's error stands alone.
 */
function withoutUnionNoise(errors: SchemaError[]): SchemaError[] {
  const unions = new Map<string, { error: SchemaError; branches: Map<number, SchemaError[]> }>();
  const unionId = (schemaPath: string, instancePath: string) => `${schemaPath}\0${instancePath}`;
  for (const e of errors) if (e.keyword === 'anyOf') unions.set(unionId(e.schemaPath, e.instancePath), { error: e, branches: new Map() });
  if (unions.size === 0) return errors;
  for (const e of errors) {
    const instancePrefixes = prefixesOf(e.instancePath);
    for (const m of e.schemaPath.matchAll(/\/anyOf\/(\d+)/g)) {
      const unionPath = e.schemaPath.slice(0, m.index);
      for (const instancePath of instancePrefixes) {
        const union = unions.get(unionId(unionPath, instancePath));
        if (!union) continue;
        const branch = Number(m[1]);
        const list = union.branches.get(branch);
        if (list) list.push(e);
        else union.branches.set(branch, [e]);
      }
    }
  }
  const dropped = new Set<SchemaError>();
  const outerFirst = [...unions.values()].sort((a, b) => a.error.schemaPath.length - b.error.schemaPath.length);
  for (const { error, branches } of outerFirst) {
    if (dropped.has(error)) continue;
    const fitting = [...branches].filter(([, es]) => !es.some((e) => e.keyword === 'type' && e.instancePath === error.instancePath));
    const kept = fitting.length === 1 ? fitting[0]![0] : undefined;
    if (kept !== undefined) dropped.add(error);
    for (const [branch, es] of branches) if (branch !== kept) for (const e of es) dropped.add(e);
  }
  return errors.filter((e) => !dropped.has(e));
}

/** `/a/b/c` -> ['', '/a', '/a/b', '/a/b/c'] */
function prefixesOf(instancePath: string): string[] {
  const out = [''];
  for (let i = instancePath.indexOf('/', 1); i >= 0; i = instancePath.indexOf('/', i + 1)) out.push(instancePath.slice(0, i));
  if (instancePath !== '') out.push(instancePath);
  return out;
}

function explain(error: SchemaError, root: TSchema, document: unknown): { path: KeyPath; message: string }[] {
  const path = keyPathOf(error.instancePath, document);
  const schema = schemaAt(root, error.schemaPath);
  switch (error.keyword) {
    case 'additionalProperties':
    case 'propertyNames':
      return []; // summaries: each offending key has its own error
    case 'boolean': {
      if (!error.schemaPath.endsWith('/additionalProperties')) break;
      const parent = schemaAt(root, error.schemaPath.slice(0, -'/additionalProperties'.length));
      const allowed = Object.keys((parent?.['properties'] as object | undefined) ?? {});
      const key = String(path.at(-1));
      const hint = didYouMean(key, allowed);
      return [{ path, message: `unknown key${hint ? ` (did you mean "${hint}"?)` : ''}; expected one of: ${allowed.join(', ')}` }];
    }
    case 'required':
      return error.params.requiredProperties.map((name) => {
        const child = (schema?.['properties'] as Record<string, SchemaNode> | undefined)?.[name];
        return { path: [...path, name], message: child?.missing ?? word(child, undefined) ?? 'missing' };
      });
    case '~refine':
      return [{ path, message: error.params.message }];
  }
  const value = valueAt(document, path);
  return [{ path, message: word(schema, value) ?? `${error.message}, got ${describe(value)}` }];
}

/** The schema's own wording for a wrong value, if it has one. */
function word(schema: SchemaNode | undefined, value: unknown): string | undefined {
  const message = schema?.message?.(value);
  if (message) return message;
  return schema?.expected ? `expected ${schema.expected}, got ${describe(value)}` : undefined;
}

function unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** The sub-schema a `#/properties/a/anyOf/1` path names. */
function schemaAt(root: TSchema, schemaPath: string): SchemaNode | undefined {
  let node: unknown = root;
  for (const segment of schemaPath.replace(/^#\/?/, '').split('/')) {
    if (segment === '') continue;
    node = (node as Record<string, unknown> | undefined)?.[unescapePointer(segment)];
  }
  return node as SchemaNode | undefined;
}

/** `/auth/allowed_keys/0` -> ['auth', 'allowed_keys', 0] (indexes where the value is an array). */
function keyPathOf(instancePath: string, document: unknown): KeyPath {
  const path: (string | number)[] = [];
  let node = document;
  for (const segment of instancePath.split('/').slice(1).map(unescapePointer)) {
    const key = Array.isArray(node) ? Number(segment) : segment;
    path.push(key);
    node = (node as Record<string | number, unknown> | undefined)?.[key];
  }
  return path;
}

function valueAt(document: unknown, path: KeyPath): unknown {
  let node = document;
  for (const key of path) node = (node as Record<string | number, unknown> | undefined)?.[key];
  return node;
}
