import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Check } from 'typebox/value';

/**
 * A check of values against `schema` that starts on TypeBox's interpreter (a process that checks
 * once, like one connection's handshake or one `connect()`, pays no compile time or memory) and
 * compiles the schema once it is used more often than that (a caller opening connection after
 * connection: the interpreter costs ~50 µs a check there).
 */
export function repeatedCheck(schema: TSchema, compileAfter = 2): (value: unknown) => boolean {
  let uses = 0;
  let compiled: ((value: unknown) => boolean) | undefined;
  return (value) => {
    if (compiled) return compiled(value);
    if (++uses <= compileAfter) return Check(schema, value);
    const validator = Compile(schema);
    compiled = (v) => validator.Check(v);
    return compiled(value);
  };
}
