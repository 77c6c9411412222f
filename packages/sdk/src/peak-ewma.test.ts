import { describe, expect, it } from 'vitest';
import { PeakEwma } from './peak-ewma.ts';

describe('PeakEwma', () => {
  it('jumps to a slower sample at once and eases back towards faster ones', async () => {
    const e = new PeakEwma(1, 50);
    e.observe(10);
    expect(e.ms).toBe(10);
    e.observe(1); // right away: barely moves
    expect(e.ms).toBeGreaterThan(9);
    await new Promise((r) => setTimeout(r, 120)); // more than two half-lives
    e.observe(1);
    expect(e.ms).toBeLessThan(3);
  });
});
