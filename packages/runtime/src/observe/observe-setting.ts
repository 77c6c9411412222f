import { CellError } from '@cell/protocol';

/**
 * A setting of the root's `[observe]`: this run's environment variable when it is set (same
 * syntax; a bad value is an error naming the variable), else the root's value, else the default.
 */
export function observeSetting<T>(env: NodeJS.ProcessEnv, variable: string, parse: (value: unknown) => { ok: true; value: T } | { ok: false; message: string }, configured: T | undefined, fallback: T): T {
  const override = env[variable];
  if (override === undefined || override === '') return configured === undefined ? fallback : configured;
  const parsed = parse(override);
  if (!parsed.ok) throw new CellError('CELL_E_INVALID_ARGUMENT', `${variable}: ${parsed.message}`);
  return parsed.value;
}
