/**
 * Time as a collaborator: modules whose behaviour depends on the clock take one, so their tests
 * drive time instead of sleeping.
 */
export interface Clock {
  /** Wall time, epoch ms (deadlines travel as absolute times). */
  now(): number;
  /** Monotonic ms for measuring durations (round trips, decay). */
  monotonic(): number;
  /** Runs `fn` once after `ms`; the handle never keeps the process alive. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

/** What `setTimer` returns: opaque to callers. */
export type TimerHandle = unknown;

/** Node's timers can hold at most 2^31-1 ms; longer delays fire at once (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimer(fn, ms) {
    const t = setTimeout(fn, Math.min(MAX_TIMER_MS, Math.max(0, ms)));
    t.unref();
    return t;
  },
  clearTimer: (handle) => clearTimeout(handle as NodeJS.Timeout),
};
