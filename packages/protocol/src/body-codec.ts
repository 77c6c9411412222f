import { Packr } from 'msgpackr';

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

/** Decodes a body; throws on malformed msgpack or trailing bytes. */
export function decodeBody(bytes: Buffer | undefined): unknown {
  if (bytes === undefined || bytes.length === 0) return undefined;
  return codec.unpack(bytes);
}
