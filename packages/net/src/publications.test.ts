import { describe, expect, it } from 'vitest';
import { encodePublicationNotice, parsePublicationNotice, type PublicationNotice, readPublished, recordPublished } from './publications.ts';
import { tempDir } from './test-support/fixtures.ts';

const notice: PublicationNotice = { v: 1, manifest: 'bagaaieracjrow7tkes7lbxhqlm3k5zogjzbl54mak6l4max3qsk6aepamtja', author: '12D3KooWauthor', tree: 'shop', version: '1.0.0', node: '12D3KooWnode' };
const text = (s: string) => new TextEncoder().encode(s);

describe('publication notices', () => {
  it('round-trips a notice and ignores garbage, wrong shapes, bad CIDs and oversized data', () => {
    expect(parsePublicationNotice(encodePublicationNotice(notice))).toEqual(notice);
    expect(parsePublicationNotice(text('{'))).toBeUndefined();
    expect(parsePublicationNotice(text(JSON.stringify({ ...notice, v: 2 })))).toBeUndefined();
    expect(parsePublicationNotice(text(JSON.stringify({ ...notice, manifest: 'nope' })))).toBeUndefined();
    expect(parsePublicationNotice(new Uint8Array(5000))).toBeUndefined();
  });

  it('records publications per tree and author (the latest replaces the previous), mode 0600', async () => {
    const dir = tempDir();
    try {
      expect(readPublished(dir.path)).toEqual([]);
      const one = { tree: 'shop', version: '1.0.0', author: 'A', manifest: 'm1', cids: ['m1', 'b1'] };
      await recordPublished(dir.path, one);
      await recordPublished(dir.path, { ...one, author: 'B', manifest: 'm2' });
      await recordPublished(dir.path, { ...one, version: '1.1.0', manifest: 'm3', cids: ['m3', 'b2'] });
      expect(readPublished(dir.path)).toEqual([{ ...one, version: '1.1.0', manifest: 'm3', cids: ['m3', 'b2'] }, { ...one, author: 'B', manifest: 'm2' }]);
    } finally {
      dir.remove();
    }
  });
});
