import { CellError } from '@cell/protocol';
import type { LogRecord } from '../output/log-format.ts';

/** pino's levels, lowest first. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const LEVEL_VALUE: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * `--since`: a duration back from `now` (`90s`, `5m`, `1h30m`, `2d`) or a date and time
 * (`2026-03-01T14:00:00Z`, `2026-03-01 14:00` in local time, anything `Date.parse` reads with a
 * date). Epoch ms.
 */
export function parseSince(text: string, now: number): number {
  const trimmed = text.trim();
  if (/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) {
    let ms = 0;
    for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return now - ms;
  }
  // A date is required: `Date.parse('5')` is a year, which nobody means.
  const time = /^\d{4}-\d{2}-\d{2}/.test(trimmed) ? Date.parse(trimmed.replace(' ', 'T')) : NaN;
  if (Number.isNaN(time)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `--since ${JSON.stringify(text)} is neither a duration (30s, 5m, 1h30m, 2d) nor a date and time (2026-03-01T14:00:00Z)`);
  }
  return time;
}

/** `--grep`: a regular expression (JavaScript syntax); CELL_E_INVALID_ARGUMENT when it is not one. */
export function parseGrep(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (err) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `--grep ${JSON.stringify(pattern)} is not a regular expression: ${(err as Error).message}`);
  }
}

/** The numeric level of a record (a label or pino's number); lines without one count as info. */
export function levelOf(r: LogRecord): number {
  const level = r.value['level'];
  if (typeof level === 'number') return level;
  return (typeof level === 'string' ? LEVEL_VALUE[level] : undefined) ?? LEVEL_VALUE['info']!;
}

/** What `--grep` searches, each on its own: every value of the record (message, cell, method, error...), nested ones too, never a key. */
export function searchableValues(value: unknown, out: string[] = []): string[] {
  if (value === null || value === undefined) return out;
  if (typeof value !== 'object') out.push(String(value));
  else for (const v of Object.values(value as Record<string, unknown>)) searchableValues(v, out);
  return out;
}

/** What a line must be to be shown. */
export interface LogFilter {
  /** At least this level. */
  level?: LogLevel | undefined;
  /** At or after this time (epoch ms). */
  since?: number | undefined;
  /** Some value of the line matches (`^` and `$` anchor to a value: `^call served$` is that message). */
  grep?: RegExp | undefined;
}

/** A predicate for `filter` (every condition must hold; none given: every line). */
export function matcher(filter: LogFilter): (r: LogRecord) => boolean {
  const min = filter.level ? LEVEL_VALUE[filter.level]! : -Infinity;
  const { since, grep } = filter;
  return (r) => levelOf(r) >= min && (since === undefined || r.time >= since) && (grep === undefined || searchableValues(r.value).some((v) => grep.test(v)));
}
