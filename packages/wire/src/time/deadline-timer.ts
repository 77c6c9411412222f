import { type Clock, systemClock, type TimerHandle } from '../clock.ts';

/**
 * One timer for many deadlines. Calls register an absolute deadline; the timer is armed for the
 * earliest one and, when it fires, the owner sweeps its calls and reports the next earliest.
 * This replaces a setTimeout/clearTimeout pair per call, which dominated the per-call cost.
 */
export class DeadlineTimer {
  private timer: TimerHandle | undefined;
  private armedFor = Infinity;
  private readonly sweep: (now: number) => number;
  private readonly clock: Clock;

  /** @param sweep expires every call whose deadline is <= now; returns the next deadline (Infinity if none) */
  constructor(sweep: (now: number) => number, clock: Clock = systemClock) {
    this.sweep = sweep;
    this.clock = clock;
  }

  /** Makes sure the sweep runs no later than `deadline` (epoch ms). */
  watch(deadline: number): void {
    if (deadline >= this.armedFor) return;
    this.arm(deadline);
  }

  stop(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(deadline: number): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.armedFor = deadline;
    // Beyond a timer's reach the sweep runs early, finds nothing due and re-arms: no early expiry.
    this.timer = this.clock.setTimer(() => this.fire(), deadline - this.clock.now());
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const next = this.sweep(this.clock.now());
    if (next !== Infinity) this.arm(next);
  }
}
