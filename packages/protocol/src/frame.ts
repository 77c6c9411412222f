import { BinBody, TransientBody, type WireBody } from './body-codec.ts';
import { copyAll, copyRange, writeU32 } from './byte-writes.ts';
import { writeTraceId } from './trace-id.ts';

/**
 * Frame layout (all integers big-endian):
 *
 *   u32  length of everything after this field (header + body)
 *   u8   kind
 *   u8   flags (FLAG_*)
 *   u32  stream id
 *   u32  deadline, ms remaining                (only with FLAG_DEADLINE)
 *   16B  trace id                              (only with FLAG_TRACE)
 *   8B   parent span id                        (only with FLAG_SPAN)
 *   u8   name length, then UTF-8 name bytes    (only with FLAG_NAME)
 *   ...  msgpack body (absent = undefined)
 */

/** What a frame means. Values are part of the wire format and never change. */
export const FrameKind = {
  HELLO: 1,
  REQUEST: 2,
  RESPONSE: 3,
  ERROR: 4,
  EVENT: 5,
  STREAM_DATA: 6,
  STREAM_END: 7,
  CANCEL: 8,
  PING: 9,
  PONG: 10,
  CREDIT: 11,
  GOAWAY: 12,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

const KIND_NAMES: Record<number, string> = Object.fromEntries(Object.entries(FrameKind).map(([k, v]) => [v, k]));

/** Human name of a frame kind, for logs. */
export function frameKindName(kind: number): string {
  return KIND_NAMES[kind] ?? `UNKNOWN(${kind})`;
}

export function isFrameKind(kind: number): kind is FrameKind {
  return kind >= FrameKind.HELLO && kind <= FrameKind.GOAWAY;
}

export const FLAG_DEADLINE = 0x01;
export const FLAG_TRACE = 0x02;
export const FLAG_NAME = 0x04;
/** On REQUEST: the caller will send STREAM_DATA frames for this call. */
export const FLAG_STREAM_IN = 0x08;
/** On REQUEST and EVENT: the span the call or notification is made from (the caller's own call), for traces. */
export const FLAG_SPAN = 0x10;
/**
 * On REQUEST and EVENT: sent before the membrane's HELLO arrived (a caller that reached this
 * membrane before sends its first calls with its handshake). Run only if the caller's HELLO named
 * the membrane's own genome fingerprint and name, or none; else refused (an EVENT dropped), never run.
 */
export const FLAG_EARLY = 0x20;
/** Every flag this version knows; a frame with another is refused. */
export const KNOWN_FLAGS = FLAG_DEADLINE | FLAG_TRACE | FLAG_NAME | FLAG_STREAM_IN | FLAG_SPAN | FLAG_EARLY;

export const LENGTH_PREFIX_BYTES = 4;
/** kind + flags + stream id */
export const FIXED_HEADER_BYTES = 6;
export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;
export const MAX_NAME_BYTES = 255;
export const MAX_STREAM_ID = 0xffff_ffff;
export const MAX_DEADLINE_MS = 0xffff_ffff;
/** The most a frame's header can take after its length prefix: kind, flags, stream id, deadline, trace id, parent span, name. */
export const MAX_HEADER_BYTES = FIXED_HEADER_BYTES + 4 + TRACE_ID_BYTES + SPAN_ID_BYTES + 1 + MAX_NAME_BYTES;
/** Room beyond a payload limit for msgpack's wrapping of the value (a bin or str prefix, a map key). */
export const PAYLOAD_ENVELOPE_BYTES = 1024;

/**
 * The largest frame (after its length prefix) a side announcing `maxFrameBytes` accepts. The limit
 * is on what users send: a payload of exactly `maxFrameBytes` (16 MiB by default) passes, its
 * header and msgpack wrapping do not count against it.
 */
export function frameLimit(maxFrameBytes: number): number {
  return maxFrameBytes + MAX_HEADER_BYTES + PAYLOAD_ENVELOPE_BYTES;
}

/** True when an encoded body fits the payload limit a peer announced. */
export function fitsPayloadLimit(bodyBytes: number, maxFrameBytes: number): boolean {
  return bodyBytes <= maxFrameBytes + PAYLOAD_ENVELOPE_BYTES;
}

/** A decoded frame. `body` is the raw msgpack bytes; decode it with `decodeBody`. */
export interface Frame {
  kind: FrameKind;
  flags: number;
  streamId: number;
  /** Milliseconds the receiver has left, as the sender saw it. */
  deadlineMs?: number | undefined;
  readonly trace?: Buffer | undefined;
  /** The caller's span this call is made from (8 bytes). */
  readonly span?: Buffer | undefined;
  name?: string | undefined;
  readonly body?: Buffer | undefined;
}

/** What is needed to build a frame; `body` is already msgpack-encoded. */
export interface FrameParts {
  kind: FrameKind;
  streamId: number;
  flags?: number;
  deadlineMs?: number | undefined;
  /** A 16-byte trace id, or `'new'` to write a fresh one straight into the frame. */
  trace?: Buffer | 'new' | undefined;
  /** The 8-byte id of the span the call is made from (a REQUEST made by a handler). */
  span?: Buffer | undefined;
  /** Method or event name; pass it pre-encoded as UTF-8 bytes on hot paths. */
  name?: string | Buffer | undefined;
  body?: WireBody | undefined;
}

/** Encodes a frame, length prefix included. Throws RangeError on fields that cannot be encoded. */
export function encodeFrame(parts: FrameParts): Buffer {
  const buf = Buffer.allocUnsafe(frameBytes(parts));
  writeFrame(parts, buf, 0);
  return buf;
}

/** Bytes `encodeFrame(parts)` takes, length prefix included. Throws RangeError on fields that cannot be encoded. */
export function frameBytes(parts: FrameParts): number {
  return headBytes(parts) + (parts.body === undefined ? 0 : parts.body.length);
}

/** Writes the whole frame into `target` at `at` (which must have `frameBytes(parts)` of room); returns where it ends. */
export function writeFrame(parts: FrameParts, target: Buffer, at: number): number {
  const body = parts.body;
  at = writeHead(parts, body === undefined ? 0 : body.length, target, at);
  if (body instanceof BinBody) return copyAll(body.bytes, target, copyAll(body.head, target, at));
  if (body instanceof TransientBody) return copyRange(body.bytes, body.start, body.end, target, at);
  return body === undefined ? at : copyAll(body, target, at);
}

/**
 * Encodes only a frame's length prefix and header (and a BinBody's own header); its length field
 * counts the whole body, whose bytes (`frameTail`) the caller writes right after it: a gathered
 * write, where a large body is never copied into the frame.
 */
export function encodeFrameHead(parts: FrameParts): Buffer {
  const body = parts.body;
  const binHead = body instanceof BinBody ? body.head : undefined;
  const buf = Buffer.allocUnsafe(headBytes(parts) + (binHead?.length ?? 0));
  const at = writeHead(parts, body === undefined ? 0 : body.length, buf, 0);
  binHead?.copy(buf, at);
  return buf;
}

/** The bytes that follow `encodeFrameHead(parts)` on the wire. */
export function frameTail(parts: FrameParts): Uint8Array | undefined {
  const body = parts.body;
  return body instanceof BinBody ? body.bytes : body instanceof TransientBody ? body.copy() : body;
}

function nameBytesOf(name: string | Buffer): number {
  const n = typeof name === 'string' ? Buffer.byteLength(name) : name.length;
  if (n > MAX_NAME_BYTES) throw new RangeError(`name longer than ${MAX_NAME_BYTES} bytes`);
  return n;
}

/** Length prefix and header bytes of a frame. */
function headBytes(parts: FrameParts): number {
  let size = LENGTH_PREFIX_BYTES + FIXED_HEADER_BYTES;
  if (parts.deadlineMs !== undefined) size += 4;
  if (parts.trace !== undefined) {
    if (parts.trace !== 'new' && parts.trace.length !== TRACE_ID_BYTES) throw new RangeError('trace id must be 16 bytes');
    size += TRACE_ID_BYTES;
  }
  if (parts.span !== undefined) {
    if (parts.span.length !== SPAN_ID_BYTES) throw new RangeError('span id must be 8 bytes');
    size += SPAN_ID_BYTES;
  }
  if (parts.name !== undefined) size += 1 + nameBytesOf(parts.name);
  return size;
}

/** Writes the length prefix (counting `bodyBytes` after the header) and header at `at`; returns where the body goes. */
function writeHead(parts: FrameParts, bodyBytes: number, buf: Buffer, at: number): number {
  const start = at;
  let flags = (parts.flags ?? 0) & (FLAG_STREAM_IN | FLAG_EARLY);
  buf[at + 4] = parts.kind;
  writeU32(buf, at + 6, parts.streamId >>> 0);
  at += LENGTH_PREFIX_BYTES + FIXED_HEADER_BYTES;
  if (parts.deadlineMs !== undefined) {
    flags |= FLAG_DEADLINE;
    writeU32(buf, at, Math.max(0, Math.min(MAX_DEADLINE_MS, Math.ceil(parts.deadlineMs))));
    at += 4;
  }
  if (parts.trace !== undefined) {
    flags |= FLAG_TRACE;
    if (parts.trace === 'new') writeTraceId(buf, at);
    else copyAll(parts.trace, buf, at);
    at += TRACE_ID_BYTES;
  }
  if (parts.span !== undefined) {
    flags |= FLAG_SPAN;
    copyAll(parts.span, buf, at);
    at += SPAN_ID_BYTES;
  }
  if (parts.name !== undefined) {
    flags |= FLAG_NAME;
    const name = parts.name;
    const nameBytes = typeof name === 'string' ? buf.write(name, at + 1, 'utf8') : name.length;
    if (typeof name !== 'string') copyRange(name, 0, nameBytes, buf, at + 1);
    buf[at] = nameBytes;
    at += 1 + nameBytes;
  }
  buf[start + 5] = flags;
  const length = at - start + bodyBytes - LENGTH_PREFIX_BYTES;
  if (length > 0xffff_ffff) throw new RangeError(`frame of ${length} bytes exceeds the 32-bit length field`);
  writeU32(buf, start, length);
  return at;
}
