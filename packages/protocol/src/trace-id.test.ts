import { describe, expect, it } from 'vitest';
import { newTraceId, traceFromHex, traceToHex, writeTraceId } from './trace-id.ts';

describe('trace ids', () => {
  it('are 16 bytes, unique within a process', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = newTraceId();
      expect(id).toHaveLength(16);
      seen.add(id.toString('hex'));
    }
    expect(seen.size).toBe(2000);
  });

  it('share a random per-process prefix and count up after it (no syscall per id)', () => {
    const a = newTraceId();
    const b = newTraceId();
    expect(a.subarray(0, 8).equals(b.subarray(0, 8))).toBe(true);
    const counter = (id: Buffer) => id.readBigUInt64BE(8);
    expect(counter(b) - counter(a)).toBe(1n);
  });

  it('are written straight into a frame at an offset, leaving the bytes around them alone', () => {
    const frame = Buffer.alloc(20, 0xee);
    writeTraceId(frame, 2);
    expect([frame[0], frame[1], frame[18], frame[19]]).toEqual([0xee, 0xee, 0xee, 0xee]);
    expect(frame.subarray(2, 10).equals(newTraceId().subarray(0, 8))).toBe(true);
  });

  it('appear in logs as 32 hex characters and read back from them', () => {
    const id = newTraceId();
    const hex = traceToHex(id)!;
    expect(hex).toMatch(/^[0-9a-f]{32}$/);
    expect(traceFromHex(hex)?.equals(id)).toBe(true);
    expect(traceFromHex(hex.toUpperCase())?.equals(id)).toBe(true);
    expect(traceToHex(undefined)).toBeUndefined();
  });

  it('read nothing from text that is not 32 hex characters', () => {
    for (const bad of ['', 'ab'.repeat(15), 'ab'.repeat(17), `${'ab'.repeat(15)}zz`, ` ${'ab'.repeat(16)}`]) {
      expect(traceFromHex(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
