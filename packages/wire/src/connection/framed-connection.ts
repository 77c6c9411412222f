import type { Socket } from 'node:net';
import { CellError, writeFrame, encodeBody, encodeFrameHead, frameBytes, frameTail, type Frame, FrameDecoder, type FrameSink, FrameKind, frameLimit, type FrameParts, type OversizeFrame } from '@cell/protocol';
import { borrowedReadsOf } from '../transport/borrowed-reads.ts';

/** What a FramedConnection reports to its owner. */
export interface ConnectionEvents {
  frame(frame: Frame): void;
  oversize(info: OversizeFrame): void;
  /** Called exactly once; `error` is undefined for a clean close. */
  close(error: CellError<string> | undefined): void;
}

export interface ConnectionLimits {
  /** Largest frame accepted from the peer (header + body). */
  maxFrameBytes: number;
  /** A partly received frame must complete within this long. */
  frameTimeoutMs: number;
  /** Output waiting to be written beyond which `whenWritable` waits (and reading may pause). */
  maxWriteBacklogBytes: number;
  /**
   * Stop reading from the peer while the backlog is over the limit: the serving side's defence
   * against a peer that never reads. The calling side must keep reading (its backlog is its own
   * requests; pausing would deadlock against a server paused on its replies).
   */
  pauseReadingOnBacklog: boolean;
}

/** Bodies this large are written after their header as they are, in one gathered write; smaller frames are encoded into the output buffer. */
const GATHER_BODY_BYTES = 64 * 1024;
/** Size of the output buffer frames of one tick are encoded into (reused while the kernel takes each write whole). */
const OUTPUT_BUFFER_BYTES = 64 * 1024;
/**
 * A new connection's first output buffer: a slice of Node's shared buffer pool, enough for a
 * handshake and a few small calls. A 64 KiB buffer per connection, most of which a short-lived
 * connection never touches, made the garbage collector a tenth of a connection's cost. The first
 * tick that needs more moves to a 64 KiB one.
 */
const FIRST_OUTPUT_BYTES = 2 * 1024;

/**
 * One socket carrying frames both ways. Frames sent in the same tick leave in one write;
 * on the serving side reading pauses while the peer does not take our output (so a peer that never reads cannot
 * make us buffer without bound); a partial frame that stalls closes the connection.
 */
export class FramedConnection {
  readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  /** Where the decoder hands frames: made once, not per read. */
  private readonly sink: FrameSink = {
    frame: (f) => {
      this.framesSeen++;
      if (!this.closed) this.events.frame(f);
    },
    oversize: (info) => this.events.oversize(info),
  };
  private readonly events: ConnectionEvents;
  private readonly limits: ConnectionLimits;
  /** Output cut into pieces (batches of encoded frames, large bodies), in order. */
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** Frames of this tick are encoded here, from `outStart` to `outAt`. */
  private out = Buffer.allocUnsafe(FIRST_OUTPUT_BYTES);
  private outStart = 0;
  private outAt = 0;
  private flushScheduled = false;
  private closed = false;
  private pausedForBacklog = false;
  private frameTimer: NodeJS.Timeout | undefined;
  private framesSeen = 0;
  private framesAtTimerStart = 0;
  private drainWaiters: Array<() => void> = [];
  /** Read the clock at each arrival of bytes (into `readAt`): set by a membrane that times its calls. */
  timeReads = false;
  /** performance.now() when bytes last arrived, while `timeReads` is set. */
  readAt = 0;
  /** Called as each flush begins, before anything is written: a membrane settles the calls that ended this tick. */
  beforeFlush: (() => void) | undefined;
  /** Flushes so far: what was sent since a given count leaves together in the next one. */
  flushes = 0;
  /** Reads of the socket so far, the one being handled included: what one read brought arrived together. */
  reads = 0;
  /** True while a read's frames are handed on: what they send is flushed as the read ends. */
  private handlingRead = false;

  constructor(socket: Socket, limits: ConnectionLimits, events: ConnectionEvents) {
    this.socket = socket;
    this.limits = limits;
    this.events = events;
    this.decoder = new FrameDecoder(frameLimit(limits.maxFrameBytes));
    socket.setNoDelay?.(true);
    const reads = borrowedReadsOf(socket);
    if (reads) reads.attach((chunk, borrowed) => this.onData(chunk, borrowed));
    else socket.on('data', (chunk: Buffer) => this.onData(chunk, false));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err: Error) =>
      this.terminate(new CellError('CELL_E_UNAVAILABLE', `connection failed: ${err.message}`, { cause: err }), true),
    );
    socket.on('close', () => this.terminate(undefined, true));
    socket.on('end', () => this.terminate(undefined, true));
  }

  /** True while a flush is scheduled: what is sent now leaves with it, before the next I/O. */
  get flushPending(): boolean {
    return this.flushScheduled;
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes queued or in the socket's buffer but not yet written. */
  get writeBacklogBytes(): number {
    return this.queuedBytes + this.outAt - this.outStart + this.socket.writableLength;
  }

  /**
   * Queues a frame; returns false when the connection is already closed. Frames of one tick are
   * encoded into one output buffer and leave in one write; a large body is queued as it is, after
   * its header, and leaves in the same gathered write: it is never copied into a frame.
   */
  send(parts: FrameParts): boolean {
    if (this.closed) return false;
    const body = parts.body;
    if (body !== undefined && body.length >= GATHER_BODY_BYTES) {
      this.enqueue(encodeFrameHead(parts));
      this.enqueue(frameTail(parts)!);
    } else {
      const bytes = frameBytes(parts);
      if (this.outAt + bytes > this.out.length) {
        this.cutOutput();
        this.out = Buffer.allocUnsafe(Math.max(OUTPUT_BUFFER_BYTES, bytes));
        this.outStart = this.outAt = 0;
      }
      this.outAt = writeFrame(parts, this.out, this.outAt);
    }
    this.scheduleFlush();
    return true;
  }

  /** Queues bytes as they are (an encoded frame, or what follows a frame's head); returns false when closed. */
  sendEncoded(bytes: Uint8Array): boolean {
    if (this.closed) return false;
    this.enqueue(bytes);
    this.scheduleFlush();
    return true;
  }

  private enqueue(bytes: Uint8Array): void {
    this.cutOutput();
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
  }

  /** Moves the frames encoded so far into the queue (keeping their order with what follows). */
  private cutOutput(): void {
    if (this.outAt === this.outStart) return;
    this.queue.push(this.out.subarray(this.outStart, this.outAt));
    this.queuedBytes += this.outAt - this.outStart;
    this.outStart = this.outAt;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    // Sent while a read is handled: flushed as that read ends (see onData), no tick needed.
    if (this.handlingRead) return;
    // nextTick runs after the current promise jobs drain, so replies produced by one batch
    // of requests leave together in a single write.
    process.nextTick(() => this.flush());
  }

  /** True when `whenWritable()` would resolve at once: the backlog is below the limit (or the connection closed). */
  get writable(): boolean {
    return this.closed || this.writeBacklogBytes < this.limits.maxWriteBacklogBytes;
  }

  /** Resolves when the write backlog is below the limit (or the connection closed). */
  whenWritable(): Promise<void> {
    if (this.writable) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Sends an ERROR for the whole connection, then closes it. */
  fail(error: CellError<string>): void {
    if (this.closed) return;
    this.send({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody(error.toJSON()) });
    this.flush();
    this.socket.end();
    this.terminate(error, false);
    // A peer that never reads must not keep the socket alive.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  /** Flushes pending frames and closes the write side; a peer that has not closed its own a second after it got everything is cut off. */
  end(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end(() => setTimeout(() => this.socket.destroy(), 1000).unref());
    this.terminate(undefined, false);
  }

  /** Closes at once, failing whatever is in flight with `error`. */
  destroy(error: CellError<string> | undefined): void {
    this.terminate(error, true);
  }

  private flush(): void {
    this.flushScheduled = false;
    this.flushes++;
    this.beforeFlush?.();
    this.cutOutput();
    if (this.queue.length === 0 || this.socket.destroyed) return;
    const pieces = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    if (pieces.length === 1) this.socket.write(pieces[0]!);
    else {
      this.socket.cork();
      for (const p of pieces) this.socket.write(p);
      this.socket.uncork();
    }
    // The kernel took it all: the output buffer can be written over. Else it is still referenced
    // by the queued write, and the next frames go into a fresh one.
    if (this.socket.writableLength === 0) this.outStart = this.outAt = 0;
    else if (this.outAt > 0) {
      this.out = Buffer.allocUnsafe(OUTPUT_BUFFER_BYTES);
      this.outStart = this.outAt = 0;
    }
    if (this.limits.pauseReadingOnBacklog && !this.pausedForBacklog && this.socket.writableLength >= this.limits.maxWriteBacklogBytes) {
      this.pausedForBacklog = true;
      this.socket.pause();
    }
  }

  private onDrain(): void {
    if (this.pausedForBacklog) {
      this.pausedForBacklog = false;
      if (!this.closed) this.socket.resume();
    }
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  private onData(chunk: Buffer, borrowed: boolean): void {
    if (this.closed) return;
    this.reads++;
    if (this.timeReads) this.readAt = performance.now();
    // What the read's frames make their handlers send (replies of synchronous handlers, pongs,
    // credit) leaves in one write as the read ends, as a tick's frames otherwise do: the same
    // batching, without a nextTick per read.
    this.handlingRead = true;
    try {
      this.decoder.push(chunk, this.sink, borrowed);
    } catch (err) {
      this.handlingRead = false;
      const error = new CellError('CELL_E_PROTOCOL', `malformed frame: ${(err as Error).message}`, { cause: err });
      this.fail(error);
      return;
    }
    this.handlingRead = false;
    if (this.flushScheduled) this.flush();
    this.watchPartialFrame();
  }

  private watchPartialFrame(): void {
    if (!this.decoder.hasPartialFrame || this.closed) {
      if (this.frameTimer) clearTimeout(this.frameTimer);
      this.frameTimer = undefined;
      return;
    }
    if (this.frameTimer && this.framesSeen === this.framesAtTimerStart) return; // still the same stalled frame
    this.framesAtTimerStart = this.framesSeen;
    if (this.frameTimer) this.frameTimer.refresh();
    else {
      this.frameTimer = setTimeout(() => {
        // While we stopped reading ourselves, the peer cannot be blamed for a stalled frame.
        if (this.pausedForBacklog) return this.frameTimer?.refresh();
        this.fail(new CellError('CELL_E_PROTOCOL', `partial frame not completed within ${this.limits.frameTimeoutMs} ms`));
      }, this.limits.frameTimeoutMs);
      this.frameTimer.unref();
    }
  }

  private terminate(error: CellError<string> | undefined, destroySocket: boolean): void {
    if (this.closed) return;
    this.closed = true;
    if (this.frameTimer) clearTimeout(this.frameTimer);
    this.queue = [];
    this.queuedBytes = 0;
    this.outStart = this.outAt = 0;
    if (destroySocket) this.socket.destroy();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    this.events.close(error);
  }
}
