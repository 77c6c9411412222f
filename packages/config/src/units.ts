/** Parses the units cell.toml accepts. Each parser returns a number or an error message. */

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(message: string): Parsed<T> => ({ ok: false, message });

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

/** `"256MB"`, `"1GiB"`, `"512 KiB"`, or a plain integer of bytes. */
export function parseBytes(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value) && value >= 0 ? ok(value) : fail(`${value} is not a whole number of bytes`);
  }
  if (typeof value !== 'string') return fail(`expected a size like "256MB" or "1GiB", got ${describe(value)}`);
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(value);
  const unit = m ? BYTE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) {
    return fail(`"${value}" is not a size; use a number and a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB), e.g. "256MB"`);
  }
  return ok(Math.round(Number(m[1]) * unit));
}

const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `"100ms"`, `"10s"`, `"10m"`, `"1h30m"`, or a plain integer of milliseconds. */
export function parseDuration(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? ok(value) : fail(`${value} is not a duration in milliseconds`);
  }
  if (typeof value !== 'string') return fail(`expected a duration like "10s" or "10m", got ${describe(value)}`);
  const parts = [...value.trim().matchAll(/(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)/g)];
  const joined = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || joined.replace(/\s/g, '') !== value.replace(/\s/g, '')) {
    return fail(`"${value}" is not a duration; use a number and a unit (ms, s, m, h, d), e.g. "10m"`);
  }
  return ok(parts.reduce((sum, p) => sum + Number(p[1]) * TIME_UNITS[p[2]!]!, 0));
}

/** `"100ms..5s"`: a minimum and maximum duration. */
export function parseDurationRange(value: unknown): Parsed<{ minMs: number; maxMs: number }> {
  if (typeof value !== 'string' || !value.includes('..')) {
    return fail(`expected a range like "100ms..5s", got ${describe(value)}`);
  }
  const [lo, hi] = value.split('..');
  const min = parseDuration(lo);
  const max = parseDuration(hi);
  if (!min.ok) return fail(min.message);
  if (!max.ok) return fail(max.message);
  if (min.value > max.value) return fail(`range "${value}" has its minimum above its maximum`);
  return ok({ minMs: min.value, maxMs: max.value });
}

/** CPU cores: a positive number (`0.25`, `2`) or millicores (`"250m"`). */
export function parseCpu(value: unknown): Parsed<number> {
  if (typeof value === 'number') return value > 0 && Number.isFinite(value) ? ok(value) : fail(`cpu must be above 0, got ${value}`);
  if (typeof value === 'string' && /^\d+m$/.test(value) && Number.parseInt(value, 10) > 0) return ok(Number.parseInt(value, 10) / 1000);
  return fail(`expected a number of cores like 0.5 or millicores like "500m", got ${describe(value)}`);
}

/** How a value reads in an error message. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return `"${value}"`;
  if (Array.isArray(value)) return 'an array';
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'object') return value instanceof Date ? 'a date' : 'a table';
  return `${typeof value} ${String(value)}`;
}
