import { describe, expect, it } from 'vitest';
import { copyAll, copyRange, writeU32 } from './byte-writes.ts';

describe('copyRange', () => {
  it('copies short and long ranges exactly, touching nothing around them', () => {
    for (const n of [0, 1, 7, 24, 25, 300]) {
      const source = Buffer.from(Array.from({ length: n + 10 }, (_, i) => (i * 7 + 1) & 255));
      const target = Buffer.alloc(n + 6, 0xee);
      expect(copyRange(source, 5, 5 + n, target, 3)).toBe(3 + n);
      expect(target.subarray(3, 3 + n)).toEqual(source.subarray(5, 5 + n));
      expect([...target.subarray(0, 3), ...target.subarray(3 + n)]).toEqual([0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
    }
  });

  it('copies within one buffer as Buffer#copy does when the ranges do not overlap', () => {
    const bytes = Buffer.from('abcdefghij0123456789abcdefghij0123456789');
    copyRange(bytes, 0, 4, bytes, 20);
    expect(bytes.toString('latin1', 20, 24)).toBe('abcd');
  });
});

describe('copyAll', () => {
  it('copies a whole array and says where it ends', () => {
    const target = Buffer.alloc(8);
    expect(copyAll(Uint8Array.of(1, 2, 3), target, 4)).toBe(7);
    expect([...target]).toEqual([0, 0, 0, 0, 1, 2, 3, 0]);
  });
});

describe('writeU32', () => {
  it('writes as Buffer#writeUInt32BE does, at both ends of the range', () => {
    for (const value of [0, 1, 0x1234_5678, 0xffff_fffe, 0xffff_ffff]) {
      const mine = Buffer.alloc(6);
      const node = Buffer.alloc(6);
      writeU32(mine, 1, value);
      node.writeUInt32BE(value, 1);
      expect(mine).toEqual(node);
    }
  });
});
