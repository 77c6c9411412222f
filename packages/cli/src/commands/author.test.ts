import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAuthorRecord } from '@cell/publish';
import { runCell } from '../test-support/fixtures.ts';
import { tempDir } from '../test-support/temp-dir.ts';
import { formatAuthor } from './author.ts';

describe('cell author', () => {
  const dir = tempDir('cell-author-cli-');
  afterAll(() => dir.remove());
  const home = join(dir.path, 'home');

  it('init makes a key (0600) and a signed record; show prints it; init again is refused without --force', () => {
    const init = runCell(['author', 'init', '--name', 'Ada Lovelace', '--contact', 'ada@example.org', '--json'], { env: { CELL_HOME: home } });
    expect(init.code, init.stderr).toBe(0);
    const made = JSON.parse(init.stdout) as { record: { key: string; name: string }; file: string };
    expect(made.file).toBe(join(home, 'author.json'));
    expect(statSync(made.file).mode & 0o777).toBe(0o600);
    expect(verifyAuthorRecord(made.record)).toEqual(made.record);
    const show = runCell(['author', 'show', '--json'], { env: { CELL_HOME: home } });
    expect(JSON.parse(show.stdout)).toEqual(made);
    const plain = runCell(['author', 'show'], { env: { CELL_HOME: home } });
    expect(plain.stdout).toContain(made.record.key);
    const again = runCell(['author', 'init', '--name', 'Eve', '--contact', 'eve@example.org', '--json'], { env: { CELL_HOME: home } });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'CELL_E_AUTHOR_EXISTS' });
    const forced = runCell(['author', 'init', '--name', 'Eve', '--contact', 'eve@example.org', '--force', '--json'], { env: { CELL_HOME: home } });
    expect(forced.code, forced.stderr).toBe(0);
    expect((JSON.parse(forced.stdout) as { record: { key: string } }).record.key).not.toBe(made.record.key);
  });

  it('show without an author says so (CELL_E_AUTHOR_MISSING); init without --name is bad usage', () => {
    const r = runCell(['author', 'show', '--json'], { env: { CELL_HOME: join(dir.path, 'nobody') } });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'CELL_E_AUTHOR_MISSING' });
    expect(runCell(['author', 'init', '--contact', 'x'], { env: { CELL_HOME: join(dir.path, 'nobody') } }).code).toBe(2);
  });

  it('formats the record for people', () => {
    const text = formatAuthor({ record: { v: 1, name: 'A', contact: 'a@x', key: '12D3KooWx', created: '2026-01-01T00:00:00.000Z', signature: 's' }, file: '/h/author.json' });
    expect(text).toBe('author  A <a@x>\nkey     12D3KooWx\ncreated 2026-01-01T00:00:00.000Z\nfile    /h/author.json');
  });
});
