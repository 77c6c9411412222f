/** Upper bounds (ms) of the call-duration buckets every cell counts in (Prometheus `le`, in seconds ÷ 1000). */
export const DURATION_BUCKETS_MS = Object.freeze([0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000]);

/** What one method served, as a cell reports it to its nucleus: plain JSON. */
export interface MethodStatsSnapshot {
  /** Calls that ended with a reply (or a stream's end). */
  ok: number;
  /** Calls that ended with an error, by code (declared errors by their name). */
  errors: Record<string, number>;
  /** Calls per duration bucket, not cumulative; one more than DURATION_BUCKETS_MS (the last: slower than all). */
  buckets: number[];
  /** Sum of all durations, ms. */
  sumMs: number;
}

/**
 * Counts the calls of one method: outcome and duration. A call costs two clock reads and a few
 * increments; nothing is allocated except the first error of each code.
 */
export class MethodStats {
  /** False: nothing is counted (the tree's metrics are off), not even the clock is read. */
  readonly counting: boolean;
  private ok = 0;
  private readonly errors = new Map<string, number>();
  private readonly buckets = new Float64Array(DURATION_BUCKETS_MS.length + 1);
  private sumMs = 0;

  constructor(counting = true) {
    this.counting = counting;
  }

  record(durationMs: number, errorCode: string | undefined): void {
    if (!this.counting) return;
    if (errorCode === undefined) this.ok++;
    else this.errors.set(errorCode, (this.errors.get(errorCode) ?? 0) + 1);
    let i = 0;
    while (i < DURATION_BUCKETS_MS.length && durationMs > DURATION_BUCKETS_MS[i]!) i++;
    this.buckets[i]!++;
    this.sumMs += durationMs;
  }

  snapshot(): MethodStatsSnapshot {
    return { ok: this.ok, errors: Object.fromEntries(this.errors), buckets: [...this.buckets], sumMs: this.sumMs };
  }
}
