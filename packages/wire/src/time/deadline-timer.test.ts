import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.ts';
import { MAX_TIMER_MS } from '../clock.ts';
import { DeadlineTimer } from './deadline-timer.ts';

function sweeper(deadlines: Map<string, number>, expired: string[]) {
  return (now: number) => {
    let next = Infinity;
    for (const [k, d] of deadlines) {
      if (d <= now) {
        deadlines.delete(k);
        expired.push(k);
      } else next = Math.min(next, d);
    }
    return next;
  };
}

describe('DeadlineTimer', () => {
  it('expires each deadline once, earliest first, and re-arms for the next', () => {
    const clock = new ManualClock();
    const deadlines = new Map<string, number>();
    const expired: string[] = [];
    const timer = new DeadlineTimer(sweeper(deadlines, expired), clock);
    const t0 = clock.now();
    for (const [k, ms] of [['late', 120], ['early', 30], ['mid', 60]] as const) {
      deadlines.set(k, t0 + ms);
      timer.watch(t0 + ms);
    }
    deadlines.delete('mid'); // completed before its deadline: never expires
    clock.advance(29);
    expect(expired).toEqual([]);
    clock.advance(1);
    expect(expired).toEqual(['early']);
    clock.advance(89);
    expect(expired).toEqual(['early']);
    clock.advance(1);
    expect(expired).toEqual(['early', 'late']);
    expect(clock.pending).toBe(0);
  });

  it('never expires a deadline early when it lies beyond what one timer can wait', () => {
    const clock = new ManualClock();
    const deadlines = new Map([['far', clock.now() + MAX_TIMER_MS * 2]]);
    const expired: string[] = [];
    const timer = new DeadlineTimer(sweeper(deadlines, expired), clock);
    timer.watch(deadlines.get('far')!);
    clock.advance(MAX_TIMER_MS);
    expect(expired).toEqual([]);
    clock.advance(MAX_TIMER_MS);
    expect(expired).toEqual(['far']);
  });

  it('stop() cancels the armed timer', () => {
    const clock = new ManualClock();
    const expired: string[] = [];
    const timer = new DeadlineTimer(sweeper(new Map([['a', clock.now() + 10]]), expired), clock);
    timer.watch(clock.now() + 10);
    timer.stop();
    clock.advance(100);
    expect(expired).toEqual([]);
  });
});
