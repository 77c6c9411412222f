import { describe, expect, it } from 'vitest';
import { CallTable } from './call-table.ts';
import { xorshift } from '../test-support/xorshift.ts';


describe('CallTable', () => {
  it('sets, gets, replaces and deletes by stream id', () => {
    const t = new CallTable<string>();
    expect(t.get(1)).toBeUndefined();
    t.set(1, 'a');
    t.set(2, 'b');
    t.set(1, 'A');
    expect([t.get(1), t.get(2), t.size, t.has(2), t.has(3)]).toEqual(['A', 'b', 2, true, false]);
    expect(t.delete(1)).toBe(true);
    expect(t.delete(1)).toBe(false);
    expect([t.get(1), t.get(2), t.size]).toEqual([undefined, 'b', 1]);
    expect(t.entries()).toEqual([[2, 'b']]);
  });

  it('refuses ids that are not stream ids, and finds none of them', () => {
    const t = new CallTable<number>();
    for (const bad of [0, -1, 2 ** 32, 1.5]) expect(() => t.set(bad, 1)).toThrow(RangeError);
    expect([t.get(0), t.has(-1), t.delete(2 ** 32)]).toEqual([undefined, false, false]);
    t.set(0xffff_ffff, 9);
    expect(t.get(0xffff_ffff)).toBe(9);
  });

  it('agrees with a Map over 200,000 random operations, through growth and wrapped runs', () => {
    const next = xorshift(12345);
    const t = new CallTable<number>();
    const m = new Map<number, number>();
    for (let i = 0; i < 200_000; i++) {
      const r = next();
      // Ids from a small range (collisions, long runs) or anywhere in the 32-bit space.
      const id = r & 1 ? (next() % 300) + 1 : (next() >>> 0) || 1;
      if (r & 6) {
        t.set(id, i);
        m.set(id, i);
      } else expect(t.delete(id)).toBe(m.delete(id));
      if (i % 5000 === 0) {
        expect(t.size).toBe(m.size);
        expect([...m].filter(([k, v]) => t.get(k) !== v)).toEqual([]);
      }
    }
    expect(new Map(t.entries())).toEqual(m);
  });

  it('stays fast when a peer picks ids that are multiples of the capacity', () => {
    const t = new CallTable<number>();
    // Bounded by count, not time: each lookup probes few slots when the ids spread.
    for (let i = 1; i <= 1024; i++) t.set(i * 4096, i);
    let probesWorst = 0;
    for (let i = 1; i <= 1024; i++) {
      expect(t.get(i * 4096)).toBe(i);
      probesWorst = Math.max(probesWorst, t.probesFor(i * 4096));
    }
    expect(probesWorst).toBeLessThan(64);
  });
});
