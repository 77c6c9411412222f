import { describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from '../identity.ts';
import { tempDir } from '../test-support/fixtures.ts';
import { type DonorAdvert, DonorDirectory, encodeAdvert, parseAdvert } from './donor-advert.ts';

const GiB = 2 ** 30;
const capacity = { cpu: 2, memoryBytes: 4 * GiB, storageBytes: 10 * GiB };

describe('donor adverts', () => {
  it('round-trip signed by the donor they name; forged, altered and malformed ones are dropped', async () => {
    const dir = tempDir();
    try {
      const donor = await loadOrCreateIdentity(`${dir.path}/donor`);
      const other = await loadOrCreateIdentity(`${dir.path}/other`);
      const bytes = encodeAdvert(donor, { offered: capacity, free: { ...capacity, cpu: 1.5 }, until: '2026-11-29T08:00:00.000Z', placed: ['bafy-m'], at: 1000 });
      expect(parseAdvert(bytes)).toMatchObject({ v: 1, node: donor.peerId, offered: capacity, free: { cpu: 1.5 }, placed: ['bafy-m'], at: 1000 });
      const body = JSON.parse(Buffer.from(bytes).toString()) as Record<string, unknown>;
      expect(parseAdvert(Buffer.from(JSON.stringify({ ...body, free: capacity })))).toBeUndefined(); // claims more free than it signed
      expect(parseAdvert(Buffer.from(JSON.stringify({ ...body, node: other.peerId })))).toBeUndefined();
      for (const garbage of ['', '[]', '{"v":1}', JSON.stringify({ ...body, offered: { cpu: -1, memoryBytes: 0, storageBytes: 0 } })]) {
        expect(parseAdvert(Buffer.from(garbage))).toBeUndefined();
      }
    } finally {
      dir.remove();
    }
  });

  it('keeps the newest advert per donor and forgets donors not heard from for a while', () => {
    let now = 0;
    const directory = new DonorDirectory(3000, () => now);
    const advert = (node: string, at: number, cpu = 1): DonorAdvert => ({ v: 1, node, offered: capacity, free: { ...capacity, cpu }, until: null, placed: [], at, signature: 's' });
    expect(directory.record(advert('a', 10, 1))).toBe(true);
    expect(directory.record(advert('a', 20, 0.5))).toBe(false); // known: not new
    expect(directory.record(advert('a', 15, 2))).toBe(false); // a replayed older one never wins
    expect(directory.record(advert('b', 5))).toBe(true);
    expect(directory.donors().map((d) => [d.node, d.free.cpu])).toEqual([
      ['a', 0.5],
      ['b', 1],
    ]);
    now = 2000;
    directory.record(advert('a', 30, 0.5));
    now = 4000; // b silent for 4 s: gone; a heard 2 s ago: still here
    expect(directory.donors().map((d) => d.node)).toEqual(['a']);
    expect(directory.record(advert('b', 40))).toBe(true); // heard again: new again
  });
});
