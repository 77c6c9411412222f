import { describe, expect, it } from 'vitest';
import { processRandomWords } from './process-random.ts';

const differ = (a: Uint32Array, b: Uint32Array) => !Buffer.from(a.buffer).equals(Buffer.from(b.buffer));

describe('processRandomWords', () => {
  it('returns the number of words asked for', () => {
    expect(processRandomWords(3)).toHaveLength(3);
    expect(processRandomWords(0)).toHaveLength(0);
  });

  it('draws fresh words on each read (64 words repeating would be a 2^-2048 chance)', () => {
    const a = processRandomWords(64);
    expect(differ(a, processRandomWords(64))).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(1);
  });

  it('falls back to node:crypto where the device is missing or gives nothing', () => {
    for (const device of ['/nonexistent/urandom', '/dev/null']) {
      const a = processRandomWords(64, device);
      expect(a).toHaveLength(64);
      expect(differ(a, processRandomWords(64, device))).toBe(true);
    }
  });
});
