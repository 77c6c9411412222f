import { C1, Packr } from 'msgpackr';

/**
 * One msgpack configuration for every frame body: plain maps as objects, no record extension
 * (records keep per-stream state that a hostile peer could pollute), 64-bit integers as numbers
 * when they fit and bigints otherwise.
 */
const codec = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'number', moreTypes: false });

/** Encodes a body value; `undefined` encodes to no bytes at all. */
export function encodeBody(value: unknown): Buffer | undefined {
  return value === undefined ? undefined : codec.pack(value);
}

/**
 * Decodes a body; throws on malformed msgpack, trailing bytes, or the never-used type byte 0xC1
 * (msgpackr would hand it on as a placeholder object rather than refuse it).
 */
export function decodeBody(bytes: Buffer | undefined): unknown {
  if (bytes === undefined || bytes.length === 0) return undefined;
  const value: unknown = codec.unpack(bytes);
  // 0xC1 cannot appear in UTF-8 text, so most bodies never pay for the walk.
  if (bytes.includes(0xc1) && holdsC1(value, 0)) throw new Error('malformed msgpack: the never-used type 0xC1');
  return value;
}

function holdsC1(value: unknown, depth: number): boolean {
  if (value === C1) return true;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth > 512) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => holdsC1(v, depth + 1));
}
