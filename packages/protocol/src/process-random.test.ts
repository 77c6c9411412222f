import { describe, expect, it } from 'vitest';
import { processRandomWords } from './process-random.ts';

describe('processRandomWords', () => {
  it('returns the number of words asked for', () => {
    expect(processRandomWords(3)).toHaveLength(3);
    expect(processRandomWords(0)).toHaveLength(0);
  });

  it('draws fresh words on each read (64 words repeating would be a 2^-2048 chance)', () => {
    const a = processRandomWords(64);
    const b = processRandomWords(64);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(false);
    expect(new Set(a).size).toBeGreaterThan(1);
  });
});
