import { CellError } from '@cell/protocol';

/**
 * The receiving end of one stream. Items wait here until the consumer takes them; credit goes
 * back to the sender only as they are taken, so a slow reader holds at most one window of data.
 * The window grows while the reader keeps up: each time credit goes back with at most an eighth
 * of the window still waiting to be read, the window doubles (the doubling is granted with it),
 * up to `maxWindowBytes`, as HTTP/2 and QUIC stacks tune theirs. A bulk stream then waits on
 * credit less often (on one host, fewer wake-ups of both processes; between hosts, a window that
 * covers the round trip). A reader that falls behind stops the growth and holds at most the
 * window reached.
 */
export class StreamInbox<T> implements AsyncIterable<T> {
  // Items waiting, in parallel arrays read from `head` (no object per item, and no shift(), which
  // moves every item behind the first: a read of small items can bring thousands at once).
  private values: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  private done = false;
  private error: unknown;
  private heldBytes = 0;
  private ungrantedBytes = 0;
  private iterated = false;
  private windowBytes: number;
  private readonly maxWindowBytes: number;
  private readonly grant: (bytes: number) => void;
  private readonly abandon: () => void;

  /**
   * @param grant sends CREDIT for bytes the consumer has taken
   * @param abandon called when the consumer stops early (break/return)
   * @param maxWindowBytes how far the window may grow; default `windowBytes` (a fixed window)
   */
  constructor(windowBytes: number, grant: (bytes: number) => void, abandon: () => void, maxWindowBytes = windowBytes) {
    this.windowBytes = windowBytes;
    this.maxWindowBytes = Math.max(windowBytes, maxWindowBytes);
    this.grant = grant;
    this.abandon = abandon;
  }

  /** Adds an item; returns false when the sender overran its credit (a protocol violation). */
  push(value: T, bytes: number, maxFrameBytes: number): boolean {
    if (this.done) return true;
    this.heldBytes += bytes;
    if (this.heldBytes > this.windowBytes + maxFrameBytes) return false;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      this.take(bytes);
      w.resolve({ value, done: false });
    } else {
      this.values.push(value);
      this.sizes.push(bytes);
    }
    return true;
  }

  /** Items waiting to be taken. */
  private get waiting(): number {
    return this.values.length - this.head;
  }

  /** Takes the first waiting item (there is one). */
  private shift(): T {
    const at = this.head;
    const value = this.values[at]!;
    this.take(this.sizes[at]!);
    this.values[at] = undefined as T; // the consumer may keep it; this queue must not
    if (++this.head === this.values.length) {
      this.values.length = 0;
      this.sizes.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.values.length) {
      this.values = this.values.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    return value;
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.wake();
  }

  fail(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.wake();
  }

  private wake(): void {
    if (!this.waiter || this.waiting > 0) return;
    const w = this.waiter;
    this.waiter = undefined;
    if (this.error !== undefined) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }

  private take(bytes: number): void {
    this.heldBytes -= bytes;
    this.ungrantedBytes += bytes;
    if (!this.done && this.ungrantedBytes >= this.windowBytes / 2) {
      let growth = 0;
      if (this.heldBytes <= this.windowBytes / 8 && this.windowBytes < this.maxWindowBytes) {
        growth = Math.min(this.windowBytes, this.maxWindowBytes - this.windowBytes);
        this.windowBytes += growth;
      }
      this.grant(this.ungrantedBytes + growth);
      this.ungrantedBytes = 0;
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.iterated) throw new CellError('CELL_E_INVALID_ARGUMENT', 'a stream can be iterated only once');
    this.iterated = true;
    return {
      next: () => {
        if (this.waiting > 0) return Promise.resolve({ value: this.shift(), done: false });
        if (this.done) {
          return this.error !== undefined ? Promise.reject(this.error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.waiter = { resolve, reject };
        });
      },
      return: () => {
        if (!this.done) {
          this.done = true;
          this.values = [];
          this.sizes = [];
          this.head = 0;
          this.abandon();
        }
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

/** The sending end's view of the reader's window. */
export class StreamCredit {
  private credit: number;
  private waiter: (() => void) | undefined;
  private cancelled = false;

  constructor(windowBytes: number) {
    this.credit = windowBytes;
  }

  add(bytes: number): void {
    this.credit += bytes;
    // The last item sent may have overdrawn the credit by up to a frame; a grant that leaves it at
    // or below zero must not release the sender, or its next item would overrun the reader.
    if (this.credit > 0) this.wakeUp();
  }

  spend(bytes: number): void {
    this.credit -= bytes;
  }

  /** Stops waiting for good: the stream ended or was cancelled. */
  cancel(): void {
    this.cancelled = true;
    this.wakeUp();
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** True when `available()` would resolve at once: there is credit, or the stream was cancelled. */
  get ready(): boolean {
    return this.credit > 0 || this.cancelled;
  }

  /** Resolves once there is credit to send (or the stream was cancelled). */
  available(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private wakeUp(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
}
