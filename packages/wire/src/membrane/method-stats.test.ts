import { describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS, MethodStats } from './method-stats.ts';

describe('MethodStats', () => {
  it('counts outcomes by code and durations by bucket (an upper bound is inclusive), with their sum', () => {
    const stats = new MethodStats();
    stats.record(0.05, undefined);
    stats.record(0.1, undefined);
    stats.record(3, 'CELL_E_TIMEOUT');
    stats.record(3, 'OutOfStock');
    stats.record(60_000, 'CELL_E_TIMEOUT');
    const s = stats.snapshot();
    expect(s.ok).toBe(2);
    expect(s.errors).toEqual({ CELL_E_TIMEOUT: 2, OutOfStock: 1 });
    expect(s.buckets).toHaveLength(DURATION_BUCKETS_MS.length + 1);
    expect(s.buckets[0]).toBe(2); // <= 0.1 ms
    expect(s.buckets[DURATION_BUCKETS_MS.indexOf(5)]).toBe(2); // 3 ms: in (2.5, 5]
    expect(s.buckets.at(-1)).toBe(1); // slower than every bound
    expect(s.buckets.reduce((a, b) => a + b, 0)).toBe(5);
    expect(s.sumMs).toBeCloseTo(60_006.15);
  });

  it('counts nothing when told not to (the tree\'s metrics are off)', () => {
    const stats = new MethodStats(false);
    stats.record(3, undefined);
    stats.record(3, 'CELL_E_TIMEOUT');
    expect(stats.counting).toBe(false);
    expect(stats.snapshot()).toMatchObject({ ok: 0, errors: {}, sumMs: 0 });
  });
});
