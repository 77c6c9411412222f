/** Parses the units cell.toml accepts. Each parser returns a number or an error message. */

/** A parsed value, or the message that says why the input is not one. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** The longest duration cell.toml accepts: 2^31-1 ms, the longest a Node timer can wait (~24.8 days). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

const SIZE_HELP = 'use a number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. "256MB"';

/** `"256MB"`, `"1GiB"`, `"512 KiB"`. A bare number is refused: `256` reads as bytes to the parser and as megabytes to people. */
export function parseBytes(value: unknown): Parsed<number> {
  if (typeof value === 'number') return fail(`a size needs a unit, e.g. "${value}MB"; got the bare number ${value}`);
  if (typeof value !== 'string') return fail(`expected a size like "256MB" or "1GiB", got ${describe(value)}`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(value);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return fail(`"${value}" is not a size; ${SIZE_HELP}`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) return fail(`"${value}" is too large a size`);
  return ok(bytes);
}

/** Largest unit first: a duration names each unit at most once, in this order (`"1h30m"`, not `"30m1h"`). */
const TIME_UNITS = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
] as const;

const DURATION_HELP = 'use a number and a unit (ms, s, m, h, d), largest unit first if combined, e.g. "10m" or "1h30m"';

/** `"100ms"`, `"10s"`, `"10m"`, `"1h30m"`: whole milliseconds, at most {@link MAX_DURATION_MS}. A bare number is refused. */
export function parseDuration(value: unknown): Parsed<number> {
  if (typeof value === 'number') return fail(`a duration needs a unit, e.g. "${value}s" or "${value}ms"; got the bare number ${value}`);
  if (typeof value !== 'string') return fail(`expected a duration like "10s" or "10m", got ${describe(value)}`);
  const token = /\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*/y;
  let next = 0; // index in TIME_UNITS of the largest unit still allowed
  let total = 0;
  let parts = 0;
  while (token.lastIndex < value.length) {
    const m = token.exec(value);
    const unit = m ? TIME_UNITS.findIndex(([u]) => u === m[2]) : -1;
    if (!m || unit < next) return fail(`"${value}" is not a duration; ${DURATION_HELP}`);
    total += Number(m[1]) * TIME_UNITS[unit]![1];
    next = unit + 1;
    parts++;
  }
  if (parts === 0) return fail(`"${value}" is not a duration; ${DURATION_HELP}`);
  const ms = Math.round(total);
  if (ms > MAX_DURATION_MS) {
    return fail(`"${value}" is too long: a duration is at most ${formatDuration(MAX_DURATION_MS)} (2^31-1 ms, the longest a Node timer can wait)`);
  }
  return ok(ms);
}

/** `"100ms..5s"`: exactly one minimum and one maximum duration, the minimum not above the maximum. */
export function parseDurationRange(value: unknown): Parsed<{ minMs: number; maxMs: number }> {
  const parts = typeof value === 'string' ? value.split('..') : [];
  if (parts.length !== 2) return fail(`expected a range of two durations like "100ms..5s", got ${describe(value)}`);
  const min = parseDuration(parts[0]);
  const max = parseDuration(parts[1]);
  if (!min.ok) return fail(`range ${describe(value)}: ${min.message}`);
  if (!max.ok) return fail(`range ${describe(value)}: ${max.message}`);
  if (min.value > max.value) return fail(`range "${value as string}" has its minimum above its maximum`);
  return ok({ minMs: min.value, maxMs: max.value });
}

/** CPU cores: a positive number (`0.25`, `2`) or millicores (`"250m"`). */
export function parseCpu(value: unknown): Parsed<number> {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? ok(value) : fail(`cpu must be above 0, got ${value}`);
  if (typeof value === 'string' && /^\d+m$/.test(value) && Number.parseInt(value, 10) > 0) return ok(Number.parseInt(value, 10) / 1000);
  return fail(`expected a number of cores like 0.5 or millicores like "500m", got ${describe(value)}`);
}

/** Milliseconds the way cell.toml writes them: `"24d20h31m23s647ms"`, `"100ms"`, `"0ms"`. */
export function formatDuration(ms: number): string {
  let rest = Math.round(ms);
  let out = '';
  for (const [unit, size] of TIME_UNITS) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out || '0ms';
}

/** How a value reads in an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'an array';
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return value instanceof Date ? 'a date' : 'a table';
  return `${typeof value} ${String(value)}`;
}
