/**
 * How many replica processes start at once, across a whole tree: forking hundreds of Node
 * processes together starves the machine (and the nucleus's own control socket), so starts queue
 * here and each waits for a free place.
 */
export class StartGate {
  private readonly limit: number;
  private running = 0;
  private readonly queue: Array<() => void> = [];

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  /** Starts waiting to start. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `fn` once a place is free; the place is given back when it settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}
