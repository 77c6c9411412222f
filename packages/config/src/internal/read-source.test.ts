import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles } from '../test-fixtures/temp-files.ts';
import { MAX_CELL_TOML_BYTES, readSource } from './read-source.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

describe('readSource', () => {
  it('reads a regular file, through a symlink too', () => {
    const dir = files({ 'cell.toml': '[cell]\nname = "é"\n' });
    symlinkSync(join(dir, 'cell.toml'), join(dir, 'link.toml'));
    expect(readSource(join(dir, 'cell.toml'))).toEqual({ source: '[cell]\nname = "é"\n' });
    expect(readSource(join(dir, 'link.toml'))).toEqual({ source: '[cell]\nname = "é"\n' });
  });

  it('says when there is nothing there', () => {
    const dir = files({});
    expect(readSource(join(dir, 'cell.toml'))).toEqual({ notFound: true, message: 'no cell.toml here' });
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    expect(readSource(join(dir, 'dangling'))).toMatchObject({ notFound: true });
    writeFileSync(join(dir, 'file'), '');
    expect(readSource(join(dir, 'file/cell.toml'))).toMatchObject({ notFound: true });
  });

  it('refuses what is not a regular file, without blocking or reading', () => {
    const dir = files({});
    mkdirSync(join(dir, 'dir'));
    execFileSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync('/dev/zero', join(dir, 'zero'));
    expect(readSource(join(dir, 'dir'))).toEqual({ notFound: false, message: 'cell.toml is a directory; it must be a regular file' });
    expect(readSource(join(dir, 'fifo'))).toEqual({ notFound: false, message: 'cell.toml is a FIFO; it must be a regular file' });
    expect(readSource(join(dir, 'zero'))).toEqual({ notFound: false, message: 'cell.toml is a character device; it must be a regular file' });
  });

  it(`reads at most ${MAX_CELL_TOML_BYTES} bytes`, () => {
    const dir = files({});
    writeFileSync(join(dir, 'max'), 'x'.repeat(MAX_CELL_TOML_BYTES));
    writeFileSync(join(dir, 'over'), 'x'.repeat(MAX_CELL_TOML_BYTES + 1));
    expect(readSource(join(dir, 'max'))).toMatchObject({ source: expect.any(String) });
    expect(readSource(join(dir, 'over'))).toEqual({ notFound: false, message: 'cell.toml is larger than 1 MiB (the most read)' });
  });

  it('refuses text that is not UTF-8', () => {
    const dir = files({});
    writeFileSync(join(dir, 'latin1'), Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0xe9]));
    expect(readSource(join(dir, 'latin1'))).toEqual({ notFound: false, message: 'cell.toml is not valid UTF-8 text' });
  });

  it('reports an unreadable file by its error code', () => {
    const dir = files({});
    symlinkSync(join(dir, 'loop'), join(dir, 'loop'));
    expect(readSource(join(dir, 'loop'))).toEqual({ notFound: false, message: 'cannot read cell.toml (ELOOP)' });
  });
});
