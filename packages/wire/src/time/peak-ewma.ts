/**
 * Peak-sensitive moving average of latency (as in Finagle's load balancer): a sample above the
 * average replaces it at once, so a slowing candidate loses traffic immediately; samples below
 * pull it down with a weight that grows with the time since the last sample (half-life
 * `halfLifeMs`), so a recovered candidate wins traffic back within seconds.
 */
export class PeakEwma {
  private value: number;
  private stamp: number;
  private readonly decayMs: number;
  private readonly now: () => number;

  /** @param now monotonic milliseconds (default `performance.now`) */
  constructor(initialMs: number, halfLifeMs = 5000, now: () => number = () => performance.now()) {
    this.value = initialMs;
    this.now = now;
    this.stamp = now();
    this.decayMs = halfLifeMs / Math.LN2;
  }

  observe(sampleMs: number): void {
    const now = this.now();
    if (sampleMs > this.value) {
      this.value = sampleMs;
    } else {
      const w = Math.exp(-(now - this.stamp) / this.decayMs);
      this.value = this.value * w + sampleMs * (1 - w);
    }
    this.stamp = now;
  }

  get ms(): number {
    return this.value;
  }
}
