import { FIXED_HEADER_BYTES, type Frame, FrameFormatError, LENGTH_PREFIX_BYTES, parseFrameAt } from './frame.ts';

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
 * Cuts a byte stream into frames. Memory held is bounded by `maxFrameBytes` plus one chunk:
 * an oversized frame is reported after its first 10 bytes and the rest is discarded as it
 * arrives. Structural garbage throws FrameFormatError; the caller should close the connection.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes the next complete unit needs (prefix+header peek, or a whole frame). */
  private needed = PEEK_BYTES;
  private skipBytes = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** True while part of a frame is buffered (used to time out slow, partial frames). */
  get hasPartialFrame(): boolean {
    return this.buffered > 0 || this.skipBytes > 0;
  }

  push(chunk: Buffer, sink: FrameSink): void {
    if (this.skipBytes > 0) {
      const dropped = Math.min(this.skipBytes, chunk.length);
      this.skipBytes -= dropped;
      if (dropped === chunk.length) return;
      chunk = chunk.subarray(dropped);
    }
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      if (this.buffered < this.needed) return;
      const { chunks, buffered, needed } = this;
      this.chunks = [];
      this.buffered = 0;
      if (chunks.length === 1) chunk = chunks[0]!;
      else if (needed === PEEK_BYTES) chunk = Buffer.concat(chunks, buffered); // a header split across chunks (rare)
      else {
        // A frame of known length completes in this chunk: copy exactly its bytes, once, and go on
        // with the rest of the chunk as it is (never copying the start of the next frame).
        this.consume(Buffer.concat(chunks, needed), sink);
        const restBytes = buffered - needed;
        if (restBytes === 0) return;
        chunk = chunk.subarray(chunk.length - restBytes);
      }
    }
    this.consume(chunk, sink);
  }

  private consume(buf: Buffer, sink: FrameSink): void {
    let at = 0;
    for (;;) {
      const available = buf.length - at;
      if (available < LENGTH_PREFIX_BYTES) break;
      const length = buf.readUInt32BE(at);
      if (length < FIXED_HEADER_BYTES) {
        throw new FrameFormatError(`declared frame length ${length} is shorter than a header`);
      }
      if (length > this.maxFrameBytes) {
        if (available < PEEK_BYTES) {
          this.needed = PEEK_BYTES;
          break;
        }
        sink.oversize({ kind: buf[at + 4]!, streamId: buf.readUInt32BE(at + 6), declaredBytes: length });
        const total = LENGTH_PREFIX_BYTES + length;
        if (available >= total) {
          at += total;
          continue;
        }
        this.skipBytes = total - available;
        at = buf.length;
        break;
      }
      const total = LENGTH_PREFIX_BYTES + length;
      if (available < total) {
        this.needed = total;
        break;
      }
      const frame = parseFrameAt(buf, at + LENGTH_PREFIX_BYTES, at + total);
      at += total;
      sink.frame(frame);
    }
    if (at < buf.length) {
      const rest = buf.subarray(at);
      this.chunks = [rest];
      this.buffered = rest.length;
      if (this.buffered < LENGTH_PREFIX_BYTES) this.needed = PEEK_BYTES;
    } else {
      this.needed = PEEK_BYTES;
    }
  }
}
