import { CellError } from '@cell/protocol';

/**
 * The one byte form of a JSON value that is signed and hashed: object keys sorted by UTF-16 code
 * units, no whitespace, numbers as JavaScript prints them (finite only), strings as
 * `JSON.stringify` escapes them (the JSON Canonicalization Scheme, RFC 8785, for the values
 * Cell writes). `undefined` members are dropped, as in JSON.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new CellError('CELL_E_INVALID_ARGUMENT', `${value} has no JSON form`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).filter((k) => (value as Record<string, unknown>)[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  throw new CellError('CELL_E_INVALID_ARGUMENT', `a ${typeof value} has no JSON form`);
}

/** `canonicalJson` as UTF-8 bytes. */
export function canonicalBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalJson(value));
}
