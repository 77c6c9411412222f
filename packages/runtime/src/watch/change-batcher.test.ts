import { describe, expect, it } from 'vitest';
import type { Clock } from '@cell/wire';
import { ChangeBatcher } from './change-batcher.ts';

/** Timers that fire only when the test moves time on. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = 0;
  let next = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    monotonic: () => now,
    setTimer(fn, ms) {
      timers.set(++next, { at: now + ms, fn });
      return next;
    },
    clearTimer: (handle) => void timers.delete(handle as number),
    advance(ms) {
      const until = now + ms;
      for (;;) {
        const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        timers.delete(due[0]);
        now = due[1].at;
        due[1].fn();
      }
      now = until;
    },
  };
}

describe('ChangeBatcher', () => {
  const timing = { quietMs: 100, maxWaitMs: 1000 };

  it('one save (several events within the quiet time) is one batch, each path once, sorted', () => {
    const clock = manualClock();
    const batches: string[][] = [];
    const b = new ChangeBatcher(clock, (p) => batches.push(p), timing);
    b.add('/t/b.ts');
    clock.advance(30);
    b.add('/t/a.ts');
    b.add('/t/b.ts');
    clock.advance(99);
    expect(batches).toEqual([]);
    clock.advance(1);
    expect(batches).toEqual([['/t/a.ts', '/t/b.ts']]);
  });

  it('changes that never pause are still delivered after maxWaitMs', () => {
    const clock = manualClock();
    const batches: string[][] = [];
    const b = new ChangeBatcher(clock, (p) => batches.push(p), timing);
    for (let i = 0; i < 20; i++) {
      b.add(`/t/${i}.ts`);
      clock.advance(60);
    }
    expect(batches.length).toBeGreaterThanOrEqual(1);
    expect(batches[0]).toHaveLength(17); // 0..16 arrived within the first 1000 ms
    clock.advance(100);
    expect(batches.flat()).toHaveLength(20);
  });

  it('close drops what is pending: nothing is delivered after it', () => {
    const clock = manualClock();
    const batches: string[][] = [];
    const b = new ChangeBatcher(clock, (p) => batches.push(p), timing);
    b.add('/t/a.ts');
    b.close();
    clock.advance(5000);
    expect(batches).toEqual([]);
  });
});
