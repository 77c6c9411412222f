import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNpmProject, neededPackages } from './npm-lock.ts';
import { writeFiles } from './test-support/npm-project.ts';
import { tempDir } from './test-support/temp-dir.ts';

const json = (v: unknown) => JSON.stringify(v);
const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (err) {
    return (err as { code: string }).code;
  }
};

describe('npm projects of cells and their pruned lockfiles', () => {
  const dir = tempDir('cell-npm-lock-');
  afterAll(() => dir.remove());

  it("finds the nearest package.json and a workspace root's lockfile above it", () => {
    const root = join(dir.path, 'ws');
    writeFiles(root, {
      'package.json': json({ name: 'root', workspaces: ['apps/*'] }),
      'package-lock.json': json({ lockfileVersion: 3, packages: {} }),
      'apps/shop/package.json': json({ name: 'shop', dependencies: {} }),
      'apps/shop/cells/a/cell.toml': '',
    });
    const p = findNpmProject(join(root, 'apps/shop/cells/a'), 'a')!;
    expect(p.packageDir).toBe(join(root, 'apps/shop'));
    expect(p.lockFile).toBe(join(root, 'package-lock.json'));
    expect(findNpmProject('/', 'x')).toBeUndefined();
  });

  it('refuses dependencies no lockfile pins, and a version 1 lockfile', () => {
    const root = join(dir.path, 'nolock');
    writeFiles(root, { 'package.json': json({ name: 'p', dependencies: { x: '1.0.0' } }) });
    expect(code(() => findNpmProject(root, 'p'))).toBe('CELL_E_BUNDLE_FAILED');
    writeFiles(root, { 'package-lock.json': json({ lockfileVersion: 1, dependencies: {} }) });
    expect(code(() => neededPackages(findNpmProject(root, 'p')!, 'p'))).toBe('CELL_E_BUNDLE_FAILED');
  });

  it('keeps run-time packages only, placed as npm would: hoisted, nested where versions clash, links followed', () => {
    const root = join(dir.path, 'tree');
    writeFiles(root, {
      'package.json': json({ name: 'p', dependencies: { a: '1', b: '1', ws: '1' }, optionalDependencies: { gone: '1' }, devDependencies: { d: '1' } }),
      'package-lock.json': json({
        lockfileVersion: 3,
        packages: {
          '': {},
          'node_modules/a': { version: '1.0.0', integrity: 'sha512-a', dependencies: { c: '^1' } },
          'node_modules/b': { version: '1.0.0', integrity: 'sha512-b', dependencies: { c: '^2' } },
          'node_modules/b/node_modules/c': { version: '2.0.0', integrity: 'sha512-c2' },
          'node_modules/c': { version: '1.0.0', integrity: 'sha512-c1' },
          'node_modules/d': { version: '1.0.0', integrity: 'sha512-d', dev: true },
          'node_modules/ws': { resolved: 'libs/ws', link: true },
          'libs/ws': { name: 'ws', version: '1.0.0', dependencies: { c: '^1' } },
          'node_modules/unused': { version: '1.0.0', integrity: 'sha512-u' },
        },
      }),
    });
    const needed = neededPackages(findNpmProject(root, 'p')!, 'p');
    expect(needed.map((p) => [p.key, p.version, p.linkDir ?? null])).toEqual([
      ['node_modules/a', '1.0.0', null],
      ['node_modules/b', '1.0.0', null],
      ['node_modules/b/node_modules/c', '2.0.0', null],
      ['node_modules/c', '1.0.0', null],
      ['node_modules/ws', '1.0.0', join(root, 'libs/ws')],
    ]);
  });

  it('names a dependency the lockfile lacks', () => {
    const root = join(dir.path, 'missing');
    writeFiles(root, {
      'package.json': json({ name: 'p', dependencies: { a: '1' } }),
      'package-lock.json': json({ lockfileVersion: 3, packages: { '': {}, 'node_modules/a': { version: '1.0.0', dependencies: { zzz: '1' } } } }),
    });
    expect(() => neededPackages(findNpmProject(root, 'p')!, 'p')).toThrow(/zzz/);
  });
});
