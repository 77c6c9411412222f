// The best raw framing code we can write for the data-plane baseline: Cell's frame layout over a
// plain socket, callback-driven, no promise per frame, one growable output buffer reused whenever
// the kernel took the previous write whole, large bodies written after their header (writev), and
// received frames copied at most once (into a buffer of their exact size); a client reads into one
// reused buffer (Node's `onread`), its frames handled before the next read. It stands for the
// physical limit: Cell is measured against it.
import type { Socket } from 'node:net';

export const KIND_REQUEST = 2;
export const KIND_RESPONSE = 3;
export const KIND_STREAM_DATA = 6;
export const KIND_STREAM_END = 7;
const FLAG_DEADLINE = 0x01;
const FLAG_TRACE = 0x02;
const FLAG_NAME = 0x04;
/** Bodies this large leave after their header in a gathered write instead of being copied. */
const GATHER_BYTES = 64 * 1024;

export type OnFrame = (kind: number, streamId: number, name: string | undefined, body: Buffer) => void;

/** Cuts a byte stream into frames; a frame split across chunks is assembled once, at its size. Keeps nothing of a chunk past the call. */
export function frameReader(onFrame: OnFrame): (chunk: Buffer) => void {
  let partial: Buffer | undefined;
  let filled = 0;
  let head: Buffer | undefined; // fewer than 4 bytes of a length prefix
  const deliver = (frame: Buffer, at: number, end: number) => {
    const kind = frame[at]!;
    const flags = frame[at + 1]!;
    const streamId = frame.readUInt32BE(at + 2);
    let p = at + 6;
    if (flags & FLAG_DEADLINE) p += 4;
    if (flags & FLAG_TRACE) p += 16;
    let name: string | undefined;
    if (flags & FLAG_NAME) {
      const len = frame[p]!;
      name = frame.toString('latin1', p + 1, p + 1 + len);
      p += 1 + len;
    }
    onFrame(kind, streamId, name, frame.subarray(p, end));
  };
  return (chunk) => {
    if (head) {
      chunk = Buffer.concat([head, chunk]);
      head = undefined;
    }
    let at = 0;
    if (partial) {
      const take = Math.min(partial.length - filled, chunk.length);
      chunk.copy(partial, filled, 0, take);
      filled += take;
      at = take;
      if (filled < partial.length) return;
      const frame = partial;
      partial = undefined;
      deliver(frame, 0, frame.length);
    }
    while (at < chunk.length) {
      if (chunk.length - at < 4) {
        head = Buffer.from(chunk.subarray(at)); // the chunk may be a reused read buffer
        return;
      }
      const length = chunk.readUInt32BE(at);
      const end = at + 4 + length;
      if (end > chunk.length) {
        partial = Buffer.allocUnsafe(length);
        filled = chunk.length - at - 4;
        chunk.copy(partial, 0, at + 4);
        return;
      }
      deliver(chunk, at + 4, end);
      at = end;
    }
  };
}

/**
 * Frames built into one growable buffer and written in one `write`; the buffer is reused when the
 * kernel took the whole write at once (nothing of it is still queued), else a new one is started.
 */
export class FrameWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private at = 0;
  private readonly socket: Socket;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /** Appends one frame; `name` is pre-encoded (latin1/ASCII). */
  add(kind: number, streamId: number, name: Buffer | undefined, body: Uint8Array | undefined): void {
    const bodyBytes = body?.length ?? 0;
    const headBytes = 10 + (name ? 1 + name.length : 0);
    if (bodyBytes >= GATHER_BYTES) {
      this.flush();
      const head = Buffer.allocUnsafe(headBytes);
      this.writeHead(head, 0, kind, streamId, name, bodyBytes);
      this.socket.cork();
      this.socket.write(head);
      this.socket.write(body!);
      this.socket.uncork();
      return;
    }
    this.room(headBytes + bodyBytes);
    this.at = this.writeHead(this.buf, this.at, kind, streamId, name, bodyBytes);
    if (body) {
      this.buf.set(body, this.at);
      this.at += bodyBytes;
    }
  }

  /** Appends a frame whose body is msgpack `bin32` of `payload`, the payload itself written gathered when large. */
  addBin(kind: number, streamId: number, name: Buffer | undefined, payload: Uint8Array): void {
    const headBytes = 10 + (name ? 1 + name.length : 0) + 5;
    if (payload.length < GATHER_BYTES) {
      this.room(headBytes + payload.length);
      this.at = this.writeBinHead(this.buf, this.at, kind, streamId, name, payload.length);
      this.buf.set(payload, this.at);
      this.at += payload.length;
      return;
    }
    this.flush();
    const head = Buffer.allocUnsafe(headBytes);
    this.writeBinHead(head, 0, kind, streamId, name, payload.length);
    this.socket.cork();
    this.socket.write(head);
    this.socket.write(payload);
    this.socket.uncork();
  }

  /** Writes what is buffered; returns the socket's write() result (false: wait for 'drain'). */
  flush(): boolean {
    if (this.at === 0) return !this.socket.writableNeedDrain;
    const out = this.buf.subarray(0, this.at);
    const ok = this.socket.write(out);
    if (this.socket.writableLength === 0) this.at = 0; // the kernel took it all: reuse the buffer
    else {
      this.buf = Buffer.allocUnsafe(this.buf.length);
      this.at = 0;
    }
    return ok;
  }

  get buffered(): number {
    return this.at;
  }

  private writeBinHead(buf: Buffer, at: number, kind: number, streamId: number, name: Buffer | undefined, payloadBytes: number): number {
    at = this.writeHead(buf, at, kind, streamId, name, payloadBytes + 5);
    buf[at] = 0xc6;
    buf.writeUInt32BE(payloadBytes, at + 1);
    return at + 5;
  }

  private room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    this.flush();
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes);
  }

  private writeHead(buf: Buffer, at: number, kind: number, streamId: number, name: Buffer | undefined, bodyBytes: number): number {
    const nameBytes = name ? 1 + name.length : 0;
    buf.writeUInt32BE(6 + nameBytes + bodyBytes, at);
    buf[at + 4] = kind;
    buf[at + 5] = name ? FLAG_NAME : 0;
    buf.writeUInt32BE(streamId, at + 6);
    at += 10;
    if (name) {
      buf[at] = name.length;
      name.copy(buf, at + 1);
      at += nameBytes;
    }
    return at;
  }
}
