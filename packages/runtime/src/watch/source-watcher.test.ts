import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown, waitFor } from '../test-fixtures/temp-cells.ts';
import { isIgnored, SourceWatcher } from './source-watcher.ts';

describe('SourceWatcher', () => {
  const defer = useTeardown();

  it('ignores what Cell writes itself, dependencies and version control', () => {
    for (const p of ['node_modules/x/index.js', 'cells/a/.cell/build/main.mjs', 'cells/a/run/a-0.sock', 'cells/a/log/a-0.log', '.git/index']) expect(isIgnored(p), p).toBe(true);
    for (const p of ['cells/a/src/main.ts', 'cells/a/cell.toml', 'lib/shared.ts', 'cells/runner/src/x.ts']) expect(isIgnored(p), p).toBe(false);
  });

  it('delivers the sources saved under the root, in nested directories, and never Cell output', async () => {
    const root = tempDir(defer, { 'cells/a/src/main.ts': '', 'cells/a/.cell/build/main.mjs': '' });
    const seen: string[] = [];
    const watcher = new SourceWatcher(root, (paths) => seen.push(...paths), { timing: { quietMs: 20, maxWaitMs: 200 } });
    defer(() => watcher.close());
    writeFileSync(join(root, 'cells/a/.cell/build/main.mjs'), '// rebuilt');
    mkdirSync(join(root, 'cells/a/log'), { recursive: true });
    writeFileSync(join(root, 'cells/a/log/a-0.log'), '{}\n');
    writeFileSync(join(root, 'cells/a/src/main.ts'), 'export {};\n');
    await waitFor('the saved source', () => seen.includes(join(root, 'cells/a/src/main.ts')), 10_000);
    expect(seen.filter((p) => p.includes('.cell') || p.includes('/log/'))).toEqual([]);
  });
});
