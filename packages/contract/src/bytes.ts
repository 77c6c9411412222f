import { Unsafe, type TUnsafe } from 'typebox';
import { CellError } from '@cell/protocol';

/** The keyword that marks a schema as bytes in a genome (docs/genome.md#bytes). */
export const BYTES_KEYWORD = 'x-cell-bytes';
/** The exact byte limits of a bytes schema; `maxLength`/`minLength` are those of its base64 text. */
export const MAX_BYTES_KEYWORD = 'x-cell-maxBytes';
export const MIN_BYTES_KEYWORD = 'x-cell-minBytes';

/** Options of a {@link Bytes} schema. The limits count bytes, never base64 characters. */
export interface BytesOptions {
  /** The most bytes a value may hold. */
  maxBytes?: number;
  /** The fewest bytes a value may hold. */
  minBytes?: number;
  description?: string;
}

/**
 * A bytes schema: its static type is `Uint8Array` (a `Buffer` is one), its JSON form is that of
 * base64 text, which is what JSON-only tools (the HTTP door, OpenAPI clients) see of it.
 */
export interface TBytes extends TUnsafe<Uint8Array> {
  type: 'string';
  contentEncoding: 'base64';
  contentMediaType: 'application/octet-stream';
  'x-cell-bytes': true;
  'x-cell-maxBytes'?: number;
  'x-cell-minBytes'?: number;
  maxLength?: number;
  minLength?: number;
  description?: string;
}

/** Characters of the padded base64 text of `bytes` bytes. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

function isByteCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/**
 * Binary data in a contract: accepts a `Uint8Array` (a `Buffer` is one) of `minBytes` to
 * `maxBytes` bytes and nothing else — not a string, not an array of numbers. On the wire it
 * travels as msgpack `bin`, unencoded and uncopied (it arrives as a `Buffer` view of the frame);
 * over the HTTP door as base64 text. In the genome it is
 * `{ type: 'string', contentEncoding: 'base64', contentMediaType: 'application/octet-stream',
 * 'x-cell-bytes': true }`, with the limits as `x-cell-maxBytes`/`x-cell-minBytes` and, for
 * JSON Schema tools, as the `maxLength`/`minLength` of the base64 text.
 *
 * @example
 * input: Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 8 << 20 }) })
 */
export function Bytes(options: BytesOptions = {}): TBytes {
  const { maxBytes, minBytes, description } = options;
  const problems: string[] = [];
  if (maxBytes !== undefined && !isByteCount(maxBytes)) problems.push(`maxBytes ${String(maxBytes)} must be a whole number of bytes`);
  if (minBytes !== undefined && !isByteCount(minBytes)) problems.push(`minBytes ${String(minBytes)} must be a whole number of bytes`);
  if (problems.length === 0 && maxBytes !== undefined && minBytes !== undefined && minBytes > maxBytes) problems.push(`minBytes ${minBytes} is above maxBytes ${maxBytes}`);
  if (problems.length > 0) throw new CellError('CELL_E_INVALID_ARGUMENT', `invalid Bytes schema: ${problems.join('; ')}`, { details: { problems } });
  return Unsafe<Uint8Array>({
    type: 'string',
    contentEncoding: 'base64',
    contentMediaType: 'application/octet-stream',
    [BYTES_KEYWORD]: true,
    ...(minBytes !== undefined ? { minLength: base64Length(minBytes), [MIN_BYTES_KEYWORD]: minBytes } : {}),
    ...(maxBytes !== undefined ? { maxLength: base64Length(maxBytes), [MAX_BYTES_KEYWORD]: maxBytes } : {}),
    ...(description !== undefined ? { description } : {}),
  }) as TBytes;
}

/** True for a schema {@link Bytes} made, or its JSON form read from a genome. */
export function isBytesSchema(schema: unknown): boolean {
  return typeof schema === 'object' && schema !== null && (schema as Record<string, unknown>)[BYTES_KEYWORD] === true;
}

/** The byte limits of a bytes schema (absent: no limit). */
export function bytesLimits(schema: Record<string, unknown>): { minBytes?: number; maxBytes?: number } {
  const min = schema[MIN_BYTES_KEYWORD];
  const max = schema[MAX_BYTES_KEYWORD];
  return { ...(isByteCount(min) ? { minBytes: min } : {}), ...(isByteCount(max) ? { maxBytes: max } : {}) };
}
