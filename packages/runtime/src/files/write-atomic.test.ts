import { chmodSync, readdirSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { writeFileAtomic } from './write-atomic.ts';

const defer = useTeardown();
const LONG_AGO = new Date('2001-02-03T04:05:06Z');

describe('writeFileAtomic', () => {
  it('writes text and bytes, leaving no temporary file', () => {
    const dir = tempDir(defer);
    writeFileAtomic(join(dir, 'a.txt'), 'hello\n');
    writeFileAtomic(join(dir, 'b.bin'), new Uint8Array([0, 1, 2, 255]));
    expect(readFileSync(join(dir, 'a.txt'), 'utf8')).toBe('hello\n');
    expect([...readFileSync(join(dir, 'b.bin'))]).toEqual([0, 1, 2, 255]);
    expect(readdirSync(dir).sort()).toEqual(['a.txt', 'b.bin']);
  });

  it('skips identical content, so the file keeps its mtime (and inode)', () => {
    const path = join(tempDir(defer), 'same.txt');
    writeFileAtomic(path, 'same');
    utimesSync(path, LONG_AGO, LONG_AGO);
    const before = statSync(path);
    writeFileAtomic(path, 'same');
    writeFileAtomic(path, Buffer.from('same'));
    const after = statSync(path);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
  });

  it('replaces different content with a new file', () => {
    const path = join(tempDir(defer), 'changed.txt');
    writeFileAtomic(path, 'old');
    utimesSync(path, LONG_AGO, LONG_AGO);
    writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(statSync(path).mtimeMs).not.toBe(LONG_AGO.getTime());
  });

  it('sets the mode it is given, and keeps an existing file\'s mode when given none', () => {
    const dir = tempDir(defer);
    const secret = join(dir, 'secret.json');
    writeFileAtomic(secret, '{}', 0o600);
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    writeFileAtomic(secret, '{"a":1}', 0o640);
    expect(statSync(secret).mode & 0o777).toBe(0o640);

    const kept = join(dir, 'kept.txt');
    writeFileAtomic(kept, 'one');
    chmodSync(kept, 0o604);
    writeFileAtomic(kept, 'two');
    expect(statSync(kept).mode & 0o777).toBe(0o604);
  });
});
