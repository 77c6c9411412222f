import { describe, expect, it } from 'vitest';
import { StartGate } from './start-gate.ts';

describe('StartGate', () => {
  it('runs at most `limit` at once, in order, and frees a place even when one fails', async () => {
    const gate = new StartGate(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const releases: Array<() => void> = [];
    const task = (i: number) =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((resolve) => releases.push(resolve));
        running--;
        if (i === 1) throw new Error('start failed');
      });
    const all = [0, 1, 2, 3, 4].map((i) => task(i).catch(() => 'failed'));
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setImmediate(r));
      releases.shift()?.();
    }
    expect(await Promise.all(all)).toEqual([undefined, 'failed', undefined, undefined, undefined]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(gate.waiting).toBe(0);
  });
});
