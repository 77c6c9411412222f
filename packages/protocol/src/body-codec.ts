// The pure-JavaScript build: msgpackr's main entry also loads its native string extractor
// (msgpackr-extract), ~3 MiB of private memory in every cell for no measurable gain on our frames.
import { Packr, RESET_BUFFER_MODE, REUSE_BUFFER_MODE } from 'msgpackr/pack';

/**
 * One msgpack configuration for every frame body: plain maps as objects, no record extension
 * (records keep per-stream state that a hostile peer could pollute), 64-bit integers as numbers
 * when they fit and bigints otherwise.
 */
const codec = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'auto' as 'number', moreTypes: false });
/** The placeholder msgpackr decodes the never-used type byte 0xC1 into. */
const C1: unknown = codec.unpack(Buffer.from([0xc1]));

/** Byte arrays this large travel after a 5-byte msgpack header as they are, never copied into a frame. */
export const BIN_BODY_MIN_BYTES = 64 * 1024;

/**
 * A body that is one large byte array: the msgpack `bin 32` header, then the caller's bytes
 * themselves (written after the frame's header in one gathered write). Like `socket.write`, the
 * bytes must not change until they are sent.
 */
export class BinBody {
  readonly head: Buffer;
  readonly bytes: Uint8Array;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.head = Buffer.allocUnsafe(5);
    this.head[0] = 0xc6;
    this.head.writeUInt32BE(bytes.length, 1);
  }

  /** Encoded length: header and bytes. */
  get length(): number {
    return 5 + this.bytes.length;
  }
}

/**
 * A body encoded where msgpackr encodes, at `bytes[start, end)`, without a view of it: valid only
 * until the next encoding in this process, so a frame copies it at once (`FramedConnection.send`).
 * One object, reused by every such encoding (see encodeSentBody).
 */
export class TransientBody {
  bytes: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;

  get length(): number {
    return this.end - this.start;
  }

  /** A standalone copy, for a frame that keeps its body past the next encoding. */
  copy(): Buffer {
    return Buffer.from(this.bytes.subarray(this.start, this.end));
  }
}

/** What a frame carries as its body: msgpack bytes (maybe transient), or a large byte array and its header. */
export type WireBody = Buffer | BinBody | TransientBody;

/** Encodes a body for sending: a byte array of 64 KiB or more is not copied (see BinBody). */
export function encodeWireBody(value: unknown): WireBody | undefined {
  return binBodyOf(value) ?? encodeBody(value);
}

/** A BinBody for a byte array of 64 KiB or more; undefined for anything else. */
function binBodyOf(value: unknown): BinBody | undefined {
  return value instanceof Uint8Array && value.length >= BIN_BODY_MIN_BYTES ? new BinBody(value) : undefined;
}

const transient = new TransientBody();
/** Encode with msgpackr's own buffer returned as it is (no view made) and reused by the next encoding. */
const IN_PLACE = REUSE_BUFFER_MODE | RESET_BUFFER_MODE;

/**
 * Encodes a body that is sent right away: as encodeWireBody, but msgpack bytes stay where msgpackr
 * wrote them (a TransientBody, valid until the next encoding), so no view of them is made per
 * frame. The frame must be queued before anything else is encoded.
 */
export function encodeSentBody(value: unknown): WireBody | undefined {
  if (value === undefined) return undefined;
  const bin = binBodyOf(value);
  if (bin) return bin;
  const target = codec.pack(value, IN_PLACE) as Buffer & { start: number; end: number };
  transient.bytes = target;
  transient.start = target.start;
  transient.end = target.end;
  return transient;
}

/** Encodes a body value; `undefined` encodes to no bytes at all. */
export function encodeBody(value: unknown): Buffer | undefined {
  return value === undefined ? undefined : codec.pack(value);
}

/**
 * Decodes a body; throws on malformed msgpack, trailing bytes, or the never-used type byte 0xC1
 * (msgpackr would hand it on as a placeholder object rather than refuse it).
 */
export function decodeBody(bytes: WireBody | undefined): unknown {
  if (bytes instanceof BinBody) return Buffer.from(bytes.bytes.buffer, bytes.bytes.byteOffset, bytes.bytes.length);
  if (bytes instanceof TransientBody) return decodeBodyAt(bytes.bytes, bytes.start, bytes.end);
  if (bytes === undefined || bytes.length === 0) return undefined;
  return decodeBodyAt(bytes, 0, bytes.length);
}

/** The one options object msgpackr is given (it reads `start` and `end` before anything else). */
const RANGE = { start: 0, end: 0 };

/**
 * Decodes the body at `bytes[start, end)` where it lies: no view of it is made, and msgpackr's
 * DataView is made once per received chunk, not once per frame. Throws as `decodeBody` does.
 */
export function decodeBodyAt(bytes: Buffer, start: number, end: number): unknown {
  if (start >= end) return undefined;
  RANGE.start = start;
  RANGE.end = end;
  const value: unknown = codec.unpack(bytes, RANGE);
  // 0xC1 cannot appear in UTF-8 text, so most bodies never pay for the walk; nor in a body that is one byte array.
  if (!(value instanceof Uint8Array) && holdsByte(bytes, start, end, 0xc1) && holdsC1(value, 0)) throw new Error('malformed msgpack: the never-used type 0xC1');
  return value;
}

/** Whether `bytes[start, end)` holds `byte` (a loop for small bodies: cheaper than a call into C++). */
function holdsByte(bytes: Buffer, start: number, end: number, byte: number): boolean {
  if (end - start > 128) return bytes.subarray(start, end).includes(byte);
  for (let i = start; i < end; i++) if (bytes[i] === byte) return true;
  return false;
}

function holdsC1(value: unknown, depth: number): boolean {
  if (value === C1) return true;
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || depth > 512) return false;
  return (Array.isArray(value) ? value : Object.values(value)).some((v) => holdsC1(v, depth + 1));
}
