import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';

/** One failing location in a value: a JSON Pointer into the value and what was wrong there. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** A schema compiled once to a fast checker. */
export interface Validator {
  check(value: unknown): boolean;
  /** Every failing path (capped), for error details. Only call after `check` failed. */
  issues(value: unknown): ValidationIssue[];
}

const MAX_ISSUES = 20;

/** Compiles a schema (TypeBox or plain JSON Schema) into a validator. */
export function compileValidator(schema: TSchema): Validator {
  const compiled = Compile(schema);
  return {
    check: (value) => compiled.Check(value),
    issues(value) {
      const out: ValidationIssue[] = [];
      for (const e of compiled.Errors(value)) {
        out.push({ path: e.instancePath === '' ? '/' : e.instancePath, message: e.message });
        if (out.length >= MAX_ISSUES) break;
      }
      return out;
    },
  };
}
