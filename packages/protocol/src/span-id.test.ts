import { describe, expect, it } from 'vitest';
import { nextSpan, spanBytes, spanHex } from './span-id.ts';

describe('span ids', () => {
  it('count up from a random per-process half, never 0', () => {
    const a = nextSpan();
    const b = nextSpan();
    expect(a).toBeGreaterThan(0);
    expect(b).toBe(a + 1);
    expect(spanBytes(a).subarray(0, 4).equals(spanBytes(b).subarray(0, 4))).toBe(true);
  });

  it('are 8 bytes on the wire and 16 hex characters in traces, the same id either way', () => {
    const seq = nextSpan();
    const bytes = spanBytes(seq);
    expect(bytes).toHaveLength(8);
    expect(bytes.readUInt32BE(4)).toBe(seq);
    expect(spanHex(seq)).toBe(bytes.toString('hex'));
    expect(spanHex(0xffff_ffff)).toMatch(/^[0-9a-f]{8}ffffffff$/);
  });
});
