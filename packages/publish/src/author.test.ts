import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authorFile, createAuthor, loadAuthor, verifyAuthorRecord } from './author.ts';
import { tempDir } from './test-support/temp-dir.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return `${(err as { code: string }).code}:${(err as { details?: { reason?: string } }).details?.reason ?? ''}`;
  }
};

describe('authors', () => {
  const dir = tempDir('cell-author-');
  afterAll(() => dir.remove());
  const fixed = () => new Date(Date.UTC(2026, 0, 2, 3, 4, 5));

  it('creates a key (mode 0600, apart from the node key) and a record signed by it, loaded back the same', async () => {
    const home = join(dir.path, 'a');
    const author = await createAuthor({ home, name: ' Ada Lovelace ', contact: 'ada@example.org', now: fixed });
    expect(author.file).toBe(join(home, 'author.json'));
    expect(statSync(author.file).mode & 0o777).toBe(0o600);
    expect(author.record).toMatchObject({ v: 1, name: 'Ada Lovelace', contact: 'ada@example.org', key: expect.stringMatching(/^12D3KooW/), created: '2026-01-02T03:04:05.000Z' });
    expect(verifyAuthorRecord(JSON.parse(JSON.stringify(author.record)))).toEqual(author.record);
    const loaded = loadAuthor(home);
    expect(loaded.record).toEqual(author.record);
    // Both sign with the same key.
    expect(loaded.sign(Buffer.from('x')).equals(author.sign(Buffer.from('x')))).toBe(true);
  });

  it('refuses to replace an author unless forced; forced, the key changes', async () => {
    const home = join(dir.path, 'b');
    const first = await createAuthor({ home, name: 'A', contact: 'a@x' });
    await expect(createAuthor({ home, name: 'B', contact: 'b@x' })).rejects.toMatchObject({ code: 'CELL_E_AUTHOR_EXISTS' });
    expect(loadAuthor(home).record).toEqual(first.record);
    const second = await createAuthor({ home, name: 'B', contact: 'b@x', force: true });
    expect(second.record.key).not.toBe(first.record.key);
    expect(loadAuthor(home).record.name).toBe('B');
  });

  it('says there is no author (CELL_E_AUTHOR_MISSING), and refuses names with control characters', async () => {
    expect(code(() => loadAuthor(join(dir.path, 'none')))).toBe('CELL_E_AUTHOR_MISSING:');
    await expect(createAuthor({ home: join(dir.path, 'c'), name: 'evil\u001b[2J', contact: 'x' })).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
    await expect(createAuthor({ home: join(dir.path, 'c'), name: 'ok', contact: '  ' })).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
  });

  it('refuses an altered record: another name, another key, or a record that is not one', async () => {
    const { record } = await createAuthor({ home: join(dir.path, 'd'), name: 'Grace', contact: 'grace@example.org' });
    const other = (await createAuthor({ home: join(dir.path, 'e'), name: 'Mallory', contact: 'm@example.org' })).record;
    expect(code(() => verifyAuthorRecord({ ...record, name: 'Grace Hopper' }))).toBe('CELL_E_MANIFEST_INVALID:author');
    expect(code(() => verifyAuthorRecord({ ...record, key: other.key }))).toBe('CELL_E_MANIFEST_INVALID:author');
    expect(code(() => verifyAuthorRecord({ ...record, signature: other.signature }))).toBe('CELL_E_MANIFEST_INVALID:author');
    expect(code(() => verifyAuthorRecord({ ...record, key: 'not-a-key' }))).toBe('CELL_E_MANIFEST_INVALID:schema');
    expect(code(() => verifyAuthorRecord({ ...record, extra: 1 }))).toBe('CELL_E_MANIFEST_INVALID:schema');
    expect(code(() => verifyAuthorRecord('x'))).toBe('CELL_E_MANIFEST_INVALID:schema');
  });

  it('reports a corrupt key file, or one whose key is not the record\'s, as CELL_E_INVALID_ARGUMENT', async () => {
    const home = join(dir.path, 'f');
    await createAuthor({ home, name: 'F', contact: 'f@x' });
    const stored = JSON.parse(readFileSync(authorFile(home), 'utf8')) as { privateKey: string };
    writeFileSync(authorFile(home), JSON.stringify({ ...stored, privateKey: Buffer.alloc(32, 7).toString('base64') }));
    expect(code(() => loadAuthor(home))).toBe('CELL_E_INVALID_ARGUMENT:');
    writeFileSync(authorFile(home), '{nope');
    expect(code(() => loadAuthor(home))).toBe('CELL_E_INVALID_ARGUMENT:');
  });
});
