import type { Clock } from '../clock.ts';

/** What liveness checks watch and act on. */
export interface LivenessTarget {
  /** Calls waiting for an answer: a silent peer matters only then. */
  inFlight(): number;
  /** Epoch ms when anything last arrived. */
  lastHeardAt(): number;
  ping(): void;
  giveUp(silentMs: number): void;
}

/**
 * Across hosts a dead peer (cut link, frozen machine) sends nothing, not even a reset: with calls
 * in flight and nothing heard for `livenessMs`, ping; after twice as long, give up on the
 * connection (so the racer fails over).
 */
export class Liveness {
  private timer: unknown;
  private stopped = false;
  private readonly clock: Clock;
  private readonly livenessMs: number;
  private readonly target: LivenessTarget;

  constructor(target: LivenessTarget, livenessMs: number, clock: Clock) {
    this.target = target;
    this.livenessMs = livenessMs;
    this.clock = clock;
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimer(() => {
      this.check();
      this.schedule();
    }, Math.max(10, this.livenessMs / 2));
  }

  /** One look at the peer (the timer calls it; tests may too). */
  check(): void {
    if (this.target.inFlight() === 0) return;
    const silentMs = this.clock.now() - this.target.lastHeardAt();
    if (silentMs > 2 * this.livenessMs) this.target.giveUp(silentMs);
    else if (silentMs > this.livenessMs) this.target.ping();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
  }
}

/** Liveness checks of one connection, or none without `livenessMs` (a local socket). */
export function watchLiveness(livenessMs: number | undefined, clock: Clock, target: LivenessTarget): Liveness | undefined {
  return livenessMs === undefined ? undefined : new Liveness(target, livenessMs, clock);
}
