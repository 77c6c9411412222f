import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listSourceFiles } from './source-files.ts';
import { tempDir } from './test-support/temp-dir.ts';

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('listSourceFiles', () => {
  const dir = tempDir('cell-sources-');
  afterAll(() => dir.remove());

  it('follows .gitignore from the repository root down (negations too) and leaves out what is never source', () => {
    const repo = join(dir.path, 'repo');
    write(repo, {
      '.git/HEAD': 'ref: refs/heads/main\n',
      '.gitignore': 'dist/\n*.log\nsecret.txt\n',
      'tree/.gitignore': 'tmp/\n',
      'tree/cell.toml': '',
      'tree/cells/api/cell.toml': '[cell]\n',
      'tree/cells/api/.gitignore': '*.gen.ts\n!keep.gen.ts\n',
      'tree/cells/api/src/main.ts': 'x',
      'tree/cells/api/src/a.gen.ts': 'x',
      'tree/cells/api/src/keep.gen.ts': 'x',
      'tree/cells/api/src/debug.log': 'x',
      'tree/cells/api/secret.txt': 'x',
      'tree/cells/api/dist/main.js': 'x',
      'tree/cells/api/tmp/x': 'x',
      'tree/cells/api/node_modules/dep/index.js': 'x',
      'tree/cells/api/src/node_modules/dep/index.js': 'x',
      'tree/cells/api/.cell/build/main.mjs': 'x',
      'tree/cells/api/run/api-0.sock': 'x',
      'tree/cells/api/log/api-0.log': 'x',
      // Only the runtime's own directories at the cell's root are left out, not any folder named so.
      'tree/cells/api/src/run/task.ts': 'x',
      'tree/cells/api/cells/inner/cell.toml': '',
    });
    const api = join(repo, 'tree/cells/api');
    const { files } = listSourceFiles(api, { treeRoot: join(repo, 'tree'), exclude: [join(api, 'cells/inner')] });
    expect(files.map((f) => f.path)).toEqual(['.gitignore', 'cell.toml', 'src/keep.gen.ts', 'src/main.ts', 'src/run/task.ts']);
    expect(files[0]!.file).toBe(join(api, '.gitignore'));
  });

  it('outside a repository, reads .gitignore files up to the tree root only', () => {
    const root = join(dir.path, 'plain');
    write(root, { '.gitignore': 'ignored-above.ts\n', 'tree/cell.toml': '', 'tree/ignored-above.ts': 'x', 'tree/kept.ts': 'x' });
    expect(listSourceFiles(join(root, 'tree'), { treeRoot: join(root, 'tree') }).files.map((f) => f.path)).toEqual(['cell.toml', 'ignored-above.ts', 'kept.ts']);
  });

  it('records executables, skips symbolic links (named), and sorts by path', () => {
    const cell = join(dir.path, 'exec');
    write(cell, { 'cell.toml': '', 'bin/start.sh': '#!/bin/sh\n', 'b.ts': '', 'a.ts': '' });
    chmodSync(join(cell, 'bin/start.sh'), 0o755);
    symlinkSync('/etc/passwd', join(cell, 'link'));
    const { files, skipped } = listSourceFiles(cell, { treeRoot: cell });
    expect(files.map((f) => [f.path, f.executable])).toEqual([['a.ts', false], ['b.ts', false], ['bin/start.sh', true], ['cell.toml', false]]);
    expect(skipped).toEqual(['link']);
  });
});
