import { FIXED_HEADER_BYTES, type Frame, LENGTH_PREFIX_BYTES } from './frame.ts';
import { FrameFormatError, parseFrameAt } from './parse-frame.ts';

/** A frame whose declared length was over the limit; its bytes are skipped, never buffered. */
export interface OversizeFrame {
  kind: number;
  streamId: number;
  declaredBytes: number;
}

export interface FrameSink {
  frame(frame: Frame): void;
  oversize(info: OversizeFrame): void;
}

const PEEK_BYTES = LENGTH_PREFIX_BYTES + FIXED_HEADER_BYTES;
/**
 * Frames up to this long are assembled in a buffer of their size as their bytes arrive, each read
 * copied once while it is fresh in the cache; longer ones (up to the frame limit) are gathered and
 * copied together once complete, so a header alone never makes a connection reserve more.
 */
const ASSEMBLE_MAX_BYTES = 4 << 20;

/**
 * Cuts a byte stream into frames. Memory held is bounded by `maxFrameBytes` plus one chunk:
 * an oversized frame is reported after its first 10 bytes and the rest is discarded as it
 * arrives. Structural garbage throws FrameFormatError; the caller should close the connection.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  /** The start of a frame too short to read its length (or, for an oversized one, its kind and stream), kept until the next chunk. */
  private head: Buffer | undefined;
  /** A frame longer than what has arrived: its whole bytes (prefix included) as they come, `filled` so far. */
  private assembling: Buffer | undefined;
  private filled = 0;
  /** Chunks of a frame too long to assemble before its bytes are here (see ASSEMBLE_MAX_BYTES), and their bytes. */
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the frame being gathered in `chunks` needs (prefix included). */
  private needed = 0;
  private skipBytes = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** True while part of a frame is buffered (used to time out slow, partial frames). */
  get hasPartialFrame(): boolean {
    return this.head !== undefined || this.assembling !== undefined || this.buffered > 0 || this.skipBytes > 0;
  }

  /**
   * Cuts `chunk` into frames for `sink`. A `borrowed` chunk is valid only during this call (a read
   * buffer the socket reuses): every frame handed on, and anything kept for the next chunk, is then
   * copied out of it first (once, and only the bytes of whole frames or of a partial one's start).
   */
  push(chunk: Buffer, sink: FrameSink, borrowed = false): void {
    if (this.skipBytes > 0) {
      const dropped = Math.min(this.skipBytes, chunk.length);
      this.skipBytes -= dropped;
      if (dropped === chunk.length) return;
      chunk = chunk.subarray(dropped);
    }
    if (this.head !== undefined) {
      // A header split across reads (rare): joined with this chunk.
      chunk = Buffer.concat([this.head, chunk]);
      this.head = undefined;
      borrowed = false;
    } else if (this.assembling !== undefined) {
      // Copied as it arrives, into the frame's own buffer: never gathered and copied again.
      const frame = this.assembling;
      const take = Math.min(frame.length - this.filled, chunk.length);
      chunk.copy(frame, this.filled, 0, take);
      this.filled += take;
      if (this.filled < frame.length) return;
      this.assembling = undefined;
      sink.frame(parseFrameAt(frame, LENGTH_PREFIX_BYTES, frame.length));
      if (take === chunk.length) return;
      chunk = chunk.subarray(take);
    } else if (this.buffered > 0) {
      // Kept past this call only when the frame does not complete in it (a borrowed chunk is copied).
      const completes = this.buffered + chunk.length >= this.needed;
      this.chunks.push(borrowed && !completes ? Buffer.from(chunk) : chunk);
      this.buffered += chunk.length;
      if (!completes) return;
      const { chunks, buffered, needed } = this;
      this.chunks = [];
      this.buffered = 0;
      // The frame completes in this chunk: copy exactly its bytes, once, and go on with the rest.
      this.consume(Buffer.concat(chunks, needed), sink, false);
      const restBytes = buffered - needed;
      if (restBytes === 0) return;
      chunk = chunk.subarray(chunk.length - restBytes);
    }
    this.consume(chunk, sink, borrowed);
  }

  private consume(buf: Buffer, sink: FrameSink, borrowed: boolean): void {
    let at = 0;
    for (;;) {
      const available = buf.length - at;
      if (available === 0) return;
      if (available < LENGTH_PREFIX_BYTES) {
        this.head = Buffer.from(buf.subarray(at)); // a few bytes: copied, so the chunk is not held
        return;
      }
      const length = buf.readUInt32BE(at);
      if (length < FIXED_HEADER_BYTES) {
        throw new FrameFormatError(`declared frame length ${length} is shorter than a header`);
      }
      const total = LENGTH_PREFIX_BYTES + length;
      if (length > this.maxFrameBytes) {
        if (available < PEEK_BYTES) {
          this.head = Buffer.from(buf.subarray(at)); // its kind and stream id are still to come
          return;
        }
        sink.oversize({ kind: buf[at + 4]!, streamId: buf.readUInt32BE(at + 6), declaredBytes: length });
        if (available >= total) {
          at += total;
          continue;
        }
        this.skipBytes = total - available;
        return;
      }
      if (available < total) {
        this.keepPartial(buf.subarray(at), total, borrowed);
        return;
      }
      if (borrowed) {
        // The whole frames from here on, copied out of the borrowed chunk together.
        const end = completeFramesEnd(buf, at, this.maxFrameBytes);
        this.consume(Buffer.from(buf.subarray(at, end)), sink, false);
        at = end;
        continue;
      }
      const frame = parseFrameAt(buf, at + LENGTH_PREFIX_BYTES, at + total);
      at += total;
      sink.frame(frame);
    }
  }

  /** Keeps the start of a frame of `total` bytes until the rest arrives. */
  private keepPartial(start: Buffer, total: number, borrowed: boolean): void {
    if (total <= ASSEMBLE_MAX_BYTES) {
      this.assembling = Buffer.allocUnsafe(total);
      start.copy(this.assembling, 0);
      this.filled = start.length;
    } else {
      this.chunks = [borrowed ? Buffer.from(start) : start];
      this.buffered = start.length;
      this.needed = total;
    }
  }
}

/**
 * Where the run of whole, acceptable frames starting at `at` ends: before the first frame that is
 * partial, over the limit or malformed (the decoder's own checks then deal with it).
 */
function completeFramesEnd(buf: Buffer, at: number, maxFrameBytes: number): number {
  while (buf.length - at >= LENGTH_PREFIX_BYTES) {
    const length = buf.readUInt32BE(at);
    if (length < FIXED_HEADER_BYTES || length > maxFrameBytes || buf.length - at < LENGTH_PREFIX_BYTES + length) break;
    at += LENGTH_PREFIX_BYTES + length;
  }
  return at;
}
