import type { Clock, TimerHandle } from '@cell/wire';

/** How long a batch waits for the editor to finish saving. */
export interface BatchTiming {
  /** A batch closes once no change came for this long (ms). */
  quietMs: number;
  /** ...or this long after its first change, however busy the files are (ms). */
  maxWaitMs: number;
}

export const DEFAULT_BATCH_TIMING: BatchTiming = { quietMs: 150, maxWaitMs: 1000 };

/**
 * Collects changed paths into batches: an editor's save is several events (write, rename, chmod)
 * over a few milliseconds, and a `git checkout` is hundreds; each becomes one batch.
 */
export class ChangeBatcher {
  private readonly pending = new Set<string>();
  private quiet: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private readonly clock: Clock;
  private readonly onBatch: (paths: string[]) => void;
  private readonly timing: BatchTiming;

  constructor(clock: Clock, onBatch: (paths: string[]) => void, timing: BatchTiming = DEFAULT_BATCH_TIMING) {
    this.clock = clock;
    this.onBatch = onBatch;
    this.timing = timing;
  }

  add(path: string): void {
    this.pending.add(path);
    if (this.quiet !== undefined) this.clock.clearTimer(this.quiet);
    this.quiet = this.clock.setTimer(() => this.flush(), this.timing.quietMs);
    this.deadline ??= this.clock.setTimer(() => this.flush(), this.timing.maxWaitMs);
  }

  /** Drops what is pending; no batch is delivered after this. */
  close(): void {
    this.cancelTimers();
    this.pending.clear();
  }

  private flush(): void {
    this.cancelTimers();
    if (this.pending.size === 0) return;
    const paths = [...this.pending].sort();
    this.pending.clear();
    this.onBatch(paths);
  }

  private cancelTimers(): void {
    if (this.quiet !== undefined) this.clock.clearTimer(this.quiet);
    if (this.deadline !== undefined) this.clock.clearTimer(this.deadline);
    this.quiet = undefined;
    this.deadline = undefined;
  }
}
