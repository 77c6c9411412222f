import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { readLock } from '@cell/codegen';
import { cellToml, contractSource, errorOf, plainCell, tempDir, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import type { BuildResult } from './build-cell.ts';
import { buildTree, localDeps } from './build-tree.ts';
import { readGenomeFile } from './contract-genome.ts';

const defer = useTeardown();

describe('localDeps', () => {
  it('gives local dependencies by directory and remote ones by address or major, under the consumer\'s names', () => {
    const tree = tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false, extra: '[network]\nlisten = "127.0.0.1:0"\np2p = "127.0.0.1:0"' }),
      ...plainCell('cells/api', 'api', '[deps]\ninventory = "../store"\nsearch = "axon://10.0.0.7:7700"\nstock = { major = 2 }'),
      ...plainCell('cells/store', 'store'),
    });
    const api = tree.nodes.find((n) => n.name === 'api')!;
    const store = tree.nodes.find((n) => n.name === 'store')!;
    const deps = localDeps(api);
    expect(Object.keys(deps).sort()).toEqual(['inventory', 'search', 'stock']);
    expect(deps['inventory']).toEqual({ name: 'store', dir: store.dir });
    expect(deps['search']).toMatchObject({ name: 'search', axon: 'axon://10.0.0.7:7700', major: undefined });
    expect(deps['stock']).toMatchObject({ name: 'stock', axon: undefined, major: 2 });
    expect(localDeps(store)).toEqual({});
  });
});

describe('buildTree', () => {
  it('builds every cell with code: genomes, the consumer\'s bindings and lock, then bundles', async () => {
    const root = tempDir(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      ...plainCell('cells/api', 'api', '[deps]\nstore = "../store"'),
      ...plainCell('cells/store', 'store'),
      'cells/api/src/contract.ts': contractSource('api', '1.0.0', '', true),
      'cells/store/src/contract.ts': contractSource('store', '1.0.0', '', true),
    });
    const tree = loadCellTree(root);
    const built: BuildResult[] = [];
    const { builds, types } = await buildTree(tree, { onBuild: (r) => built.push(r) });
    expect([...builds.keys()].map((n) => n.name).sort()).toEqual(['api', 'store']);
    expect(built.map((b) => b.cell).sort()).toEqual(['api', 'store']);
    for (const [node, r] of builds) {
      expect(r.main).toBe(join(node.dir, '.cell', 'build', 'main.mjs'));
      expect(existsSync(r.main)).toBe(true);
      expect(readGenomeFile(node.dir)).toMatchObject({ name: node.name, version: '1.0.0' });
    }
    expect(types).toEqual([expect.objectContaining({ consumer: 'api', dep: 'store', producer: 'store', action: 'created', source: 'source' })]);
    expect(existsSync(join(root, 'cells/api/.cell/bindings/store.ts'))).toBe(true);
    expect(readLock(join(root, 'cells/api'))?.deps['store']?.fingerprint).toBe(readGenomeFile(join(root, 'cells/store'))!.fingerprint);
    expect(existsSync(join(root, '.cell'))).toBe(false); // the group has nothing to build

    const again = await buildTree(tree);
    expect([...again.builds.values()].map((r) => r.rebuilt)).toEqual([false, false]);
    expect(again.types.map((t) => t.action)).toEqual(['unchanged']);
    expect([...(await buildTree(tree, { force: true })).builds.values()].map((r) => r.rebuilt)).toEqual([true, true]);
  });

  it('reports the build errors of every cell together (CELL_E_BUILD_FAILED)', async () => {
    const tree = tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      ...plainCell('cells/one', 'one'),
      ...plainCell('cells/two', 'two'),
      ...plainCell('cells/fine', 'fine'),
      'cells/one/src/main.ts': 'const = 1;\n',
      'cells/two/src/main.ts': "import './nowhere.ts';\n",
    });
    const err = await errorOf(() => buildTree(tree));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    const errors = err.details['errors'] as Array<{ cell: string }>;
    expect(errors.map((e) => e.cell).sort()).toEqual(['one', 'two']);
  });

  it('stops before bundling when a contract cannot be read', async () => {
    const tree = tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      ...plainCell('cells/bad', 'bad'),
      'cells/bad/src/contract.ts': 'export const nothing = 1;\n',
    });
    expect((await errorOf(() => buildTree(tree))).code).toBe('CELL_E_BUILD_FAILED');
    expect(existsSync(join(tree.root.dir, 'cells/bad/.cell/build/main.mjs'))).toBe(false);
  });
});
