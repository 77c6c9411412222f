/**
 * One timer for many deadlines. Calls register an absolute deadline; the timer is armed for the
 * earliest one and, when it fires, the owner sweeps its calls and reports the next earliest.
 * This replaces a setTimeout/clearTimeout pair per call, which dominated the per-call cost.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private readonly sweep: (now: number) => number;

  /** @param sweep expires every call whose deadline is <= now; returns the next deadline (Infinity if none) */
  constructor(sweep: (now: number) => number) {
    this.sweep = sweep;
  }

  /** Makes sure the timer fires no later than `deadline` (epoch ms). */
  watch(deadline: number): void {
    if (deadline >= this.armedFor) return;
    this.arm(deadline);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(deadline: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = deadline;
    this.timer = setTimeout(() => this.fire(), Math.max(0, deadline - Date.now()));
    this.timer.unref?.();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const next = this.sweep(Date.now());
    if (next !== Infinity) this.arm(next);
  }
}
