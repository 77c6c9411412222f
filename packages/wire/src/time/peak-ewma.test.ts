import { describe, expect, it } from 'vitest';
import { PeakEwma } from './peak-ewma.ts';

describe('PeakEwma', () => {
  it('jumps to a slower sample at once and eases back towards faster ones', () => {
    let now = 0;
    const e = new PeakEwma(1, 50, () => now);
    e.observe(10);
    expect(e.ms).toBe(10);
    e.observe(1); // no time passed: does not move
    expect(e.ms).toBe(10);
    now += 5; // a tenth of a half-life: barely moves
    e.observe(1);
    expect(e.ms).toBeGreaterThan(9);
    now += 120; // more than two half-lives
    e.observe(1);
    expect(e.ms).toBeLessThan(3);
  });

  it('moves halfway towards a faster sample after one half-life', () => {
    let now = 0;
    const e = new PeakEwma(100, 1000, () => now);
    now = 1000;
    e.observe(0);
    expect(e.ms).toBeCloseTo(50, 6);
  });
});
