import { decodeBody, decodeBodyAt } from './body-codec.ts';
import { FIXED_HEADER_BYTES, FLAG_DEADLINE, FLAG_NAME, FLAG_SPAN, FLAG_TRACE, type Frame, type FrameKind, isFrameKind, KNOWN_FLAGS, SPAN_ID_BYTES, TRACE_ID_BYTES } from './frame.ts';

// Reading frames: the header parsed in place, the body decoded where it lies (frame.ts writes them).

/** Why a frame header could not be parsed. */
export class FrameFormatError extends Error {
  override name = 'FrameFormatError';
}

/** A parsed frame whose trace and span id views are made only when read (most frames never need them). */
class ParsedFrame implements Frame {
  kind: FrameKind;
  flags: number;
  streamId: number;
  deadlineMs: number | undefined = undefined;
  name: string | undefined = undefined;
  traceAt = -1;
  spanAt = -1;
  /** Where the body lies in `bytes` (equal: no body). */
  bodyAt = 0;
  bodyEnd = 0;
  private bodyView: Buffer | undefined;
  readonly bytes: Buffer;

  constructor(bytes: Buffer, kind: FrameKind, flags: number, streamId: number) {
    this.bytes = bytes;
    this.kind = kind;
    this.flags = flags;
    this.streamId = streamId;
  }

  get trace(): Buffer | undefined {
    return this.traceAt < 0 ? undefined : this.bytes.subarray(this.traceAt, this.traceAt + TRACE_ID_BYTES);
  }

  get span(): Buffer | undefined {
    return this.spanAt < 0 ? undefined : this.bytes.subarray(this.spanAt, this.spanAt + SPAN_ID_BYTES);
  }

  /** A view of the body, made only when something asks (decoding reads it where it lies). */
  get body(): Buffer | undefined {
    if (this.bodyAt === this.bodyEnd) return undefined;
    return (this.bodyView ??= this.bytes.subarray(this.bodyAt, this.bodyEnd));
  }
}

/** Bytes of a frame's body (0 when it has none). */
export function frameBodyBytes(frame: Frame): number {
  return frame instanceof ParsedFrame ? frame.bodyEnd - frame.bodyAt : (frame.body?.length ?? 0);
}

/** Decodes a frame's body (see `decodeBody`); a received frame's is read where it lies, without a view. */
export function decodeFrameBody(frame: Frame): unknown {
  return frame instanceof ParsedFrame ? decodeBodyAt(frame.bytes, frame.bodyAt, frame.bodyEnd) : decodeBody(frame.body);
}

/** Names read lately (method and event names repeat): slot by length and first and last byte. */
const recentNames: Array<{ bytes: Buffer; name: string } | undefined> = new Array(64).fill(undefined);

/**
 * The name of `len` bytes at `at`: the string made the last time the same bytes came, when they
 * did (no string made, and its hash already known to the lookups that follow), else a new one.
 */
function nameAt(bytes: Buffer, at: number, len: number): string {
  if (len === 0) return '';
  const slot = (len * 31 + bytes[at]! * 7 + bytes[at + len - 1]!) & 63;
  const recent = recentNames[slot];
  if (recent !== undefined && recent.bytes.length === len) {
    let same = true;
    for (let i = 0; i < len; i++) {
      if (recent.bytes[i] !== bytes[at + i]) {
        same = false;
        break;
      }
    }
    if (same) return recent.name;
  }
  const name = bytes.toString('utf8', at, at + len);
  recentNames[slot] = { bytes: Buffer.from(bytes.subarray(at, at + len)), name };
  return name;
}

/**
 * Parses the header and body of one frame (without its length prefix).
 * The returned buffers are views into `bytes`.
 */
export function parseFrame(bytes: Buffer): Frame {
  return parseFrameAt(bytes, 0, bytes.length);
}

/**
 * Parses the frame in `bytes` from `start` to `end` (without its length prefix), making no view of
 * the frame itself: only its body (and, when read, its trace and span ids) become views into `bytes`.
 */
export function parseFrameAt(bytes: Buffer, start: number, end: number): Frame {
  if (end - start < FIXED_HEADER_BYTES) throw new FrameFormatError(`frame of ${end - start} bytes is shorter than its header`);
  const kind = bytes[start]!;
  if (!isFrameKind(kind)) throw new FrameFormatError(`unknown frame kind ${kind}`);
  const flags = bytes[start + 1]!;
  if ((flags & ~KNOWN_FLAGS) !== 0) throw new FrameFormatError(`unknown frame flags 0x${flags.toString(16)}`);
  const frame = new ParsedFrame(bytes, kind, flags, bytes.readUInt32BE(start + 2));
  let at = start + FIXED_HEADER_BYTES;
  if ((flags & FLAG_DEADLINE) !== 0) {
    if (at + 4 > end) throw new FrameFormatError('frame truncated inside its deadline');
    frame.deadlineMs = bytes.readUInt32BE(at);
    at += 4;
  }
  if ((flags & FLAG_TRACE) !== 0) {
    if (at + TRACE_ID_BYTES > end) throw new FrameFormatError('frame truncated inside its trace id');
    frame.traceAt = at;
    at += TRACE_ID_BYTES;
  }
  if ((flags & FLAG_SPAN) !== 0) {
    if (at + SPAN_ID_BYTES > end) throw new FrameFormatError('frame truncated inside its span id');
    frame.spanAt = at;
    at += SPAN_ID_BYTES;
  }
  if ((flags & FLAG_NAME) !== 0) {
    if (at + 1 > end) throw new FrameFormatError('frame truncated inside its name');
    const len = bytes[at]!;
    if (at + 1 + len > end) throw new FrameFormatError('frame truncated inside its name');
    frame.name = nameAt(bytes, at + 1, len);
    at += 1 + len;
  }
  frame.bodyAt = at;
  frame.bodyEnd = end;
  return frame;
}
