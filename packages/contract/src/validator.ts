import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Settings } from 'typebox/system';

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
      // TypeBox stops at its global `maxErrors` (8): raised for this call only, and put back.
      const previous = Settings.Get().maxErrors;
      Settings.Set({ maxErrors: MAX_ISSUES });
      try {
        return compiled
          .Errors(value)
          .slice(0, MAX_ISSUES)
          .map((e) => ({ path: e.instancePath === '' ? '/' : e.instancePath, message: e.message }));
      } finally {
        Settings.Set({ maxErrors: previous });
      }
    },
  };
}
