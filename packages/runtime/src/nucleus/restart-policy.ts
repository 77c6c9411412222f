import type { RestartPolicy } from '@cell/config';

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

/**
 * Erlang/OTP-style restart intensity: at most `max` restarts within `withinMs`; each restart
 * inside the window waits twice as long as the previous one (from `backoffMinMs` up to
 * `backoffMaxMs`). Past the limit, the replica is given up on.
 */
export class RestartTracker {
  private readonly policy: RestartPolicy;
  private restarts: number[] = [];

  constructor(policy: RestartPolicy) {
    this.policy = policy;
  }

  /** Call when the process died unexpectedly at `now`. */
  onCrash(now: number): RestartDecision {
    this.restarts = this.restarts.filter((t) => now - t < this.policy.withinMs);
    if (this.restarts.length >= this.policy.max) {
      return {
        restart: false,
        reason: `${this.restarts.length + 1} times within ${this.policy.withinMs} ms (restart limit ${this.policy.max})`,
      };
    }
    const delayMs = Math.min(this.policy.backoffMaxMs, this.policy.backoffMinMs * 2 ** this.restarts.length);
    this.restarts.push(now);
    return { restart: true, delayMs };
  }

  /** Forgets past crashes (after a deliberate restart or reload). */
  reset(): void {
    this.restarts = [];
  }
}
