import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from './clock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('systemClock', () => {
  it('reads wall time and a monotonic time', () => {
    const before = Date.now();
    const now = systemClock.now();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
    const a = systemClock.monotonic();
    const b = systemClock.monotonic();
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('clamps a delay to what a Node timer can hold (2^31-1 ms) and a negative one to 0', () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const far = systemClock.setTimer(() => undefined, 2 ** 40);
    const past = systemClock.setTimer(() => undefined, -5);
    expect(spy.mock.calls.map((c) => c[1])).toEqual([MAX_TIMER_MS, 0]);
    systemClock.clearTimer(far);
    systemClock.clearTimer(past);
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });

  it('never fires a delay beyond 2^31-1 ms early (Node would fire it at once)', async () => {
    let fired = false;
    const handle = systemClock.setTimer(() => (fired = true), 2 ** 33);
    try {
      await sleep(50);
      expect(fired).toBe(false);
    } finally {
      systemClock.clearTimer(handle);
    }
  });

  it('unrefs its timers: a pending deadline never keeps the process alive', () => {
    const handle = systemClock.setTimer(() => undefined, 60_000) as NodeJS.Timeout;
    try {
      expect(handle.hasRef()).toBe(false);
    } finally {
      systemClock.clearTimer(handle);
    }
  });

  it('fires a timer once, and never one that was cleared', async () => {
    let fired = 0;
    let cleared = 0;
    systemClock.setTimer(() => fired++, 1);
    systemClock.clearTimer(systemClock.setTimer(() => cleared++, 1));
    const deadline = Date.now() + 5000;
    while (fired === 0 && Date.now() < deadline) await sleep(5);
    await sleep(20);
    expect(fired).toBe(1);
    expect(cleared).toBe(0);
  });
});
