import { describe, expect, it } from 'vitest';
import { DeadlineTimer } from './deadline-timer.ts';

describe('DeadlineTimer', () => {
  it('expires each deadline once, earliest first, and re-arms for the next', async () => {
    const deadlines = new Map<string, number>();
    const expired: string[] = [];
    const timer = new DeadlineTimer((now) => {
      let next = Infinity;
      for (const [k, d] of deadlines) {
        if (d <= now) {
          deadlines.delete(k);
          expired.push(k);
        } else next = Math.min(next, d);
      }
      return next;
    });
    const t0 = Date.now();
    for (const [k, ms] of [['late', 120], ['early', 30], ['mid', 60]] as const) {
      deadlines.set(k, t0 + ms);
      timer.watch(t0 + ms);
    }
    deadlines.delete('mid'); // completed before its deadline: never expires
    const until = Date.now() + 2000;
    while (expired.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    expect(expired).toEqual(['early', 'late']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(118);
    timer.stop();
  });
});
