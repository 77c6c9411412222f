import { createHash } from 'node:crypto';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { describe, expect, it } from 'vitest';
import { cellKey } from './cell-key.ts';

describe('cellKey', () => {
  it('is the same CID for the same name and major, every time', async () => {
    const a = await cellKey('stock', 1);
    const b = await cellKey('stock', 1);
    expect(a.toString()).toBe(b.toString());
    expect(a.equals(b)).toBe(true);
  });

  it('differs by major version, by "any major", and by name', async () => {
    const keys = await Promise.all([cellKey('stock', 1), cellKey('stock', 2), cellKey('stock', null), cellKey('stock', 0), cellKey('stocks', 1)]);
    expect(new Set(keys.map(String)).size).toBe(keys.length);
  });

  it('is a CIDv1 of raw bytes whose sha-256 is that of "cell:<name>@<major>" (what other nodes compute)', async () => {
    for (const [name, major, text] of [
      ['stock', 1, 'cell:stock@1'],
      ['stock', null, 'cell:stock@*'],
    ] as const) {
      const cid = await cellKey(name, major);
      expect(cid.version).toBe(1);
      expect(cid.code).toBe(raw.code);
      expect(cid.multihash.code).toBe(sha256.code);
      expect(Buffer.from(cid.multihash.digest).toString('hex')).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });
});
