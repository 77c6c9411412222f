import { chmodSync, lstatSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { assertReachable, chownTree, findExecutable, ownedDir, unreachableAncestor } from './host-paths.ts';

const defer = useTeardown();
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;

describe('unreachableAncestor', () => {
  it('names the first directory another uid may not pass through, by owner, group and other bits', () => {
    const root = tempDir(defer);
    chmodSync(root, 0o711);
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'f'), '');
    const me = { uid: process.getuid!(), gid: process.getgid!() };
    expect(unreachableAncestor(join(root, 'a', 'b', 'f'), NOBODY + 1, NOBODY + 1)).toBeUndefined();
    chmodSync(join(root, 'a'), 0o750);
    expect(unreachableAncestor(join(root, 'a', 'b', 'f'), NOBODY + 1, NOBODY + 1)).toBe(join(root, 'a'));
    expect(unreachableAncestor(join(root, 'a', 'b', 'f'), NOBODY + 1, me.gid)).toBeUndefined(); // its group may
    chmodSync(join(root, 'a'), 0o700);
    expect(unreachableAncestor(join(root, 'a', 'b', 'f'), me.uid, me.gid)).toBeUndefined(); // its owner may
    expect(() => assertReachable(join(root, 'a', 'b', 'f'), NOBODY + 1, NOBODY + 1, 'code directory')).toThrow(
      expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT', details: expect.objectContaining({ blocked: join(root, 'a') }) }),
    );
  });
});

describe('ownedDir and chownTree', () => {
  it('makes a 0700 directory owned by the sandbox uid, with parents other users may pass through', () => {
    if (!isRoot) return; // giving files away takes root
    const root = tempDir(defer);
    const dir = join(root, 'data', 'cell-0');
    ownedDir(dir, NOBODY, NOBODY);
    expect(statSync(dir)).toMatchObject({ uid: NOBODY, gid: NOBODY });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(root, 'data')).mode & 0o001).toBe(0o001);
  });

  it('refuses a symlink where the directory should be', () => {
    const root = tempDir(defer);
    symlinkSync('/etc', join(root, 'data'));
    expect(() => ownedDir(join(root, 'data'), process.getuid!(), process.getgid!())).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });

  it('hands a tree over without following its symlinks out of it', () => {
    if (!isRoot) return;
    const root = tempDir(defer);
    const outside = join(root, 'outside.txt');
    writeFileSync(outside, 'the donor\'s');
    mkdirSync(join(root, 'bundle', 'src'), { recursive: true });
    writeFileSync(join(root, 'bundle', 'src', 'a.ts'), '');
    symlinkSync(outside, join(root, 'bundle', 'escape'));
    chownTree(join(root, 'bundle'), NOBODY, NOBODY);
    expect(statSync(join(root, 'bundle', 'src', 'a.ts')).uid).toBe(NOBODY);
    expect(lstatSync(join(root, 'bundle', 'escape')).uid).toBe(NOBODY);
    expect(statSync(outside).uid).toBe(0);
  });
});

describe('findExecutable', () => {
  it('finds a program on PATH, and nothing for a name that is not there', () => {
    expect(findExecutable('sh')).toMatch(/\/sh$/);
    expect(findExecutable('no-such-program-cell', '/usr/bin:/bin')).toBeUndefined();
  });
});
