import { type Clock, MAX_TIMER_MS, type TimerHandle } from '../clock.ts';

/** A clock a test drives: time moves only when `advance` is called, and due timers fire then. */
export class ManualClock implements Clock {
  private wall: number;
  private mono = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startEpochMs = 1_700_000_000_000) {
    this.wall = startEpochMs;
  }

  now(): number {
    return this.wall;
  }

  monotonic(): number {
    return this.mono;
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.mono + Math.min(MAX_TIMER_MS, Math.max(0, ms)), fn });
    return id;
  }

  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }

  /** Timers armed and not yet fired. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing due timers in order (a timer may arm another). */
  advance(ms: number): void {
    const end = this.mono + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.timers.delete(due[0]);
      this.wall += due[1].at - this.mono;
      this.mono = due[1].at;
      due[1].fn();
    }
    this.wall += end - this.mono;
    this.mono = end;
  }
}
