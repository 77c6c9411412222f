import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { integrityOf } from '../npm-tarballs.ts';

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/**
 * A workspace project like a user's: a registry dependency (`tiny-dep`, its tarball made here with
 * `npm pack` and put in a private npm cache, never fetched), a workspace package (`linked`,
 * depending on tiny-dep), a dev dependency, and a cell `cells/a` without a package.json of its
 * own. Returns where things are.
 */
export function makeNpmProject(root: string): { cache: string; cellDir: string; tinyIntegrity: string } {
  writeFiles(root, {
    'src-pkgs/tiny-dep/package.json': json({ name: 'tiny-dep', version: '1.0.0', main: 'index.js' }),
    'src-pkgs/tiny-dep/index.js': 'module.exports = 42;\n',
    'libs/linked/package.json': json({ name: 'linked', version: '1.0.0', main: 'index.js', dependencies: { 'tiny-dep': '1.0.0' } }),
    'libs/linked/index.js': "module.exports = require('tiny-dep') + 1;\n",
    'package.json': json({ name: 'proj', version: '1.0.0', type: 'module', workspaces: ['libs/*'], dependencies: { 'tiny-dep': '1.0.0', linked: '1.0.0' }, devDependencies: { devonly: '1.0.0' } }),
    'cells/a/cell.toml': '[cell]\nname = "a"\nversion = "1.0.0"\nentry = "src/main.ts"\n',
    'cells/a/src/main.ts': 'export const a = 1;\n',
  });
  const packs = join(root, 'packs');
  mkdirSync(packs);
  const out = JSON.parse(execFileSync('npm', ['pack', join(root, 'src-pkgs/tiny-dep'), '--json', '--ignore-scripts', '--pack-destination', packs], { encoding: 'utf8' })) as Array<{ filename: string }>;
  const tarball = join(packs, out[0]!.filename);
  const tinyIntegrity = integrityOf(readFileSync(tarball));
  const cache = join(root, 'npm-cache');
  execFileSync('npm', ['cache', 'add', tarball, '--cache', cache], { stdio: 'ignore' });
  writeFiles(root, {
    'package-lock.json': json({
      name: 'proj',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'proj', version: '1.0.0', workspaces: ['libs/*'], dependencies: { 'tiny-dep': '1.0.0', linked: '1.0.0' }, devDependencies: { devonly: '1.0.0' } },
        'libs/linked': { name: 'linked', version: '1.0.0', dependencies: { 'tiny-dep': '1.0.0' } },
        'node_modules/devonly': { version: '1.0.0', integrity: 'sha512-AAAA', dev: true },
        'node_modules/linked': { resolved: 'libs/linked', link: true },
        'node_modules/tiny-dep': { version: '1.0.0', integrity: tinyIntegrity, license: 'MIT' },
      },
    }),
  });
  return { cache, cellDir: join(root, 'cells/a'), tinyIntegrity };
}
