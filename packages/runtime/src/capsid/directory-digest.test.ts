import { chmodSync, mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../test-fixtures/temp-cells.ts';
import { capsidRoot } from './test-support/capsid-fixture.ts';
import { directoryDigest } from './directory-digest.ts';

const defer = useTeardown();

function tree(root: string, name: string): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'bin'), { recursive: true });
  writeFileSync(join(dir, 'bin', 'run.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'bin', 'run.sh'), 0o755);
  writeFileSync(join(dir, 'notes.txt'), 'hello');
  symlinkSync('bin/run.sh', join(dir, 'start'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'state'), 'changes at run time');
  return dir;
}

describe('directoryDigest', () => {
  it('is the same for the same files, whatever their times or the data directory hold, and changes with any byte, bit or link', async () => {
    const root = capsidRoot(defer);
    const a = tree(root, 'a');
    const b = tree(root, 'b');
    utimesSync(join(b, 'notes.txt'), 1, 1);
    writeFileSync(join(b, 'data', 'state'), 'other');
    expect(await directoryDigest(a)).toBe(await directoryDigest(b));
    writeFileSync(join(b, 'notes.txt'), 'hellO');
    expect(await directoryDigest(a)).not.toBe(await directoryDigest(b));
    const c = tree(root, 'c');
    chmodSync(join(c, 'bin', 'run.sh'), 0o644);
    expect(await directoryDigest(a)).not.toBe(await directoryDigest(c));
    const d = tree(root, 'd');
    symlinkSync('notes.txt', join(d, 'other'));
    expect(await directoryDigest(a)).not.toBe(await directoryDigest(d));
  });

  it('refuses a build that wrote more than the placement may hold, or directories too deep', async () => {
    const root = capsidRoot(defer);
    const big = tree(root, 'big');
    writeFileSync(join(big, 'blob'), Buffer.alloc(4096));
    await expect(directoryDigest(big, { maxBytes: 4000 })).rejects.toMatchObject({ code: 'CELL_E_BUILD_FAILED', message: expect.stringContaining('more than 4000 bytes') });
    const deep = join(root, 'deep');
    mkdirSync(join(deep, ...Array.from({ length: 70 }, () => 'd')), { recursive: true });
    await expect(directoryDigest(deep)).rejects.toMatchObject({ code: 'CELL_E_BUILD_FAILED', message: expect.stringContaining('deeper than 64') });
  });
});
