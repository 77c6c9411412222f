import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { cellToml, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { affectedCells } from './affected-cells.ts';

describe('affectedCells', () => {
  const defer = useTeardown();

  function tree() {
    const root = tempDir(defer, {
      'cell.toml': cellToml('app', { entry: false }),
      'cells/store/cell.toml': cellToml('store'),
      'cells/store/src/main.ts': '',
      'cells/api/cell.toml': cellToml('api', { extra: '[deps]\nstore = "../store"\n' }),
      'cells/api/src/main.ts': '',
      'lib/shared.ts': 'export const x = 1;\n',
    });
    return { root, tree: loadCellTree(root) };
  }

  const names = (nodes: ReturnType<typeof affectedCells>) => nodes.map((n) => n.name);

  it('a file of a cell concerns that cell; cell.toml too', () => {
    const { root, tree: t } = tree();
    expect(names(affectedCells(t, [join(root, 'cells/api/src/main.ts')]))).toEqual(['api']);
    expect(names(affectedCells(t, [join(root, 'cells/store/cell.toml')]))).toEqual(['store']);
    expect(affectedCells(t, [])).toEqual([]);
    // What the cell's process writes in its data directory is not a source (a database must not reload it).
    expect(affectedCells(t, [join(root, 'cells/api/data/stock.db'), join(root, 'cells/api/data/pg/base/1')])).toEqual([]);
    expect(names(affectedCells(t, [join(root, 'cells/api/src/data/fixtures.ts')]))).toEqual(['api']);
  });

  // What the last builds read, written as the bundler and the type-check record it.
  it('a shared file concerns the cells whose last build read it, producers first', () => {
    const { root, tree: t } = tree();
    const shared = join(root, 'lib/shared.ts');
    expect(names(affectedCells(t, [shared]))).toEqual(['app']); // the root group owns lib/ (it has no code to reload)
    for (const cell of ['api', 'store']) {
      const dir = join(root, 'cells', cell, '.cell', 'build');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'main.mjs.manifest.json'), JSON.stringify({ format: 1, esbuild: 'x', entry: 'src/main.ts', inputs: { [shared]: [0, 0] } }));
    }
    expect(names(affectedCells(t, [shared]))).toEqual(['store', 'api', 'app']);
  });

  it('a type-only import (read by the type-check, not the bundle) counts too', () => {
    const { root, tree: t } = tree();
    const types = join(root, 'lib/types.ts');
    mkdirSync(join(root, 'cells/api/.cell'), { recursive: true });
    writeFileSync(join(root, 'cells/api/.cell/typecheck.json'), JSON.stringify({ format: 1, config: 'x', roots: [], inputs: { [types]: [0, 0] } }));
    expect(names(affectedCells(t, [types]))).toEqual(['api', 'app']);
  });

  it("a group's own files are its own: a sub-cell's file does not concern its parent", () => {
    const { root, tree: t } = tree();
    expect(names(affectedCells(t, [join(root, 'cells/store/src/main.ts')]))).toEqual(['store']);
    expect(names(affectedCells(t, [join(root, 'README.md')]))).toEqual(['app']);
  });
});
