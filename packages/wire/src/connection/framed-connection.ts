import type { Socket } from 'node:net';
import {
  CellError,
  encodeBody,
  encodeFrame,
  encodeFrameHead,
  frameTail,
  type Frame,
  FrameDecoder,
  FrameKind,
  frameLimit,
  type FrameParts,
  type OversizeFrame,
} from '@cell/protocol';

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

/** Frames smaller than this are concatenated into one write; larger ones go out as they are. */
const COALESCE_LIMIT_BYTES = 64 * 1024;
/** Bodies this large are written after their header as they are (their frame exceeds the coalescing limit, so they leave through the corked, gathered path). */
const GATHER_BODY_BYTES = COALESCE_LIMIT_BYTES;

/**
 * One socket carrying frames both ways. Frames sent in the same tick leave in one write;
 * on the serving side reading pauses while the peer does not take our output (so a peer that never reads cannot
 * make us buffer without bound); a partial frame that stalls closes the connection.
 */
export class FramedConnection {
  readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly events: ConnectionEvents;
  private readonly limits: ConnectionLimits;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private flushScheduled = false;
  private closed = false;
  private pausedForBacklog = false;
  private frameTimer: NodeJS.Timeout | undefined;
  private framesSeen = 0;
  private framesAtTimerStart = 0;
  private drainWaiters: Array<() => void> = [];

  constructor(socket: Socket, limits: ConnectionLimits, events: ConnectionEvents) {
    this.socket = socket;
    this.limits = limits;
    this.events = events;
    this.decoder = new FrameDecoder(frameLimit(limits.maxFrameBytes));
    socket.setNoDelay?.(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err: Error) =>
      this.terminate(new CellError('CELL_E_UNAVAILABLE', `connection failed: ${err.message}`, { cause: err }), true),
    );
    socket.on('close', () => this.terminate(undefined, true));
    socket.on('end', () => this.terminate(undefined, true));
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Bytes queued or in the socket's buffer but not yet written. */
  get writeBacklogBytes(): number {
    return this.queuedBytes + this.socket.writableLength;
  }

  /**
   * Queues a frame; returns false when the connection is already closed. A large body is queued
   * as it is, after its header, and leaves in one gathered write: it is never copied into a frame.
   */
  send(parts: FrameParts): boolean {
    if (parts.body === undefined || parts.body.length < GATHER_BODY_BYTES) return this.sendEncoded(encodeFrame(parts));
    if (!this.sendEncoded(encodeFrameHead(parts))) return false;
    return this.sendEncoded(frameTail(parts)!);
  }

  /** Queues an already encoded frame (or the bytes that follow a frame's head). */
  sendEncoded(frame: Uint8Array): boolean {
    if (this.closed) return false;
    this.queue.push(frame);
    this.queuedBytes += frame.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // nextTick runs after the current promise jobs drain, so replies produced by one batch
      // of requests leave together in a single write.
      process.nextTick(() => this.flush());
    }
    return true;
  }

  /** Resolves when the write backlog is below the limit (or the connection closed). */
  whenWritable(): Promise<void> {
    if (this.closed || this.writeBacklogBytes < this.limits.maxWriteBacklogBytes) return Promise.resolve();
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

  /** Flushes pending frames and closes the write side. */
  end(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    this.terminate(undefined, false);
  }

  /** Closes at once, failing whatever is in flight with `error`. */
  destroy(error: CellError<string>): void {
    this.terminate(error, true);
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || this.socket.destroyed) return;
    const frames = this.queue;
    this.queue = [];
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    if (frames.length === 1) {
      this.socket.write(frames[0]!);
    } else if (bytes <= COALESCE_LIMIT_BYTES) {
      this.socket.write(Buffer.concat(frames, bytes));
    } else {
      this.socket.cork();
      for (const f of frames) this.socket.write(f);
      this.socket.uncork();
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

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    try {
      this.decoder.push(chunk, {
        frame: (f) => {
          this.framesSeen++;
          if (!this.closed) this.events.frame(f);
        },
        oversize: (info) => this.events.oversize(info),
      });
    } catch (err) {
      const error = new CellError('CELL_E_PROTOCOL', `malformed frame: ${(err as Error).message}`, { cause: err });
      this.fail(error);
      return;
    }
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
    if (destroySocket) this.socket.destroy();
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
    this.events.close(error);
  }
}
