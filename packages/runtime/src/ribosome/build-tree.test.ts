import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { readLock } from '@cell/codegen';
import { cellToml, contractSource, errorOf, plainCell, tempDir, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import type { BuildResult } from './build-cell.ts';
import { buildTree, localDeps } from './build-tree.ts';
import { readGenomeFile } from './contract-genome.ts';
import { generateDependencyTypes } from './dependency-types.ts';

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
      'cells/api/src/contract.ts': contractSource('api'),
      'cells/store/src/contract.ts': contractSource('store'),
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
    expect(existsSync(join(root, '.cell', 'build'))).toBe(false); // the group has nothing to build

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

/** A contract whose `whoami` answers a pid of the given TypeBox type. */
function pidContract(name: string, pidType: string): string {
  return contractSource(name).replace('pid: Type.Integer()', `pid: ${pidType}`);
}

/** A producer whose handlers are typed by its contract (no `as never`): a contract change can break them. */
const TYPED_MAIN = `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
await serve(contract, { whoami: () => ({ pid: process.pid, replica: 'r', build: 'b' }) });
`;

/** A consumer written against its bindings of `store`: it needs a numeric pid. */
const CONSUMER_MAIN = `import { connectStore } from '../.cell/bindings/store.ts';
const store = connectStore();
export const pid: number = (await store.whoami({})).pid;
`;

describe('buildTree type-checks', () => {
  function typedTree() {
    const root = tempDir(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      'cells/store/cell.toml': cellToml('store'),
      'cells/store/src/contract.ts': pidContract('store', 'Type.Integer()'),
      'cells/store/src/main.ts': TYPED_MAIN,
      'cells/api/cell.toml': cellToml('api', { extra: '[deps]\nstore = "../store"' }),
      'cells/api/src/main.ts': CONSUMER_MAIN,
    });
    return { root, tree: loadCellTree(root), main: (cell: string) => join(root, 'cells', cell, '.cell/build/main.mjs') };
  }

  it('refuses a producer whose handlers no longer match its changed contract, keeping its previous bundle', async () => {
    const { root, tree, main } = typedTree();
    const first = await buildTree(tree);
    expect(first.typecheck?.cells.map((c) => [c.cell, c.status])).toEqual([['store', 'checked'], ['api', 'checked']]);
    const before = readFileSync(main('store'));
    writeFileSync(join(root, 'cells/store/src/main.ts'), TYPED_MAIN.replace("build: 'b'", "build: 'b2', extra: 1"));
    writeFileSync(join(root, 'cells/store/src/contract.ts'), pidContract('store', 'Type.String()'));
    const err = await errorOf(() => buildTree(loadCellTree(root)));
    expect(err.code).toBe('CELL_E_TYPECHECK_FAILED');
    expect(err.message).toMatch(/^store does not type-check \(\d+ errors?\):\n {2}src\/main\.ts\(3,\d+\): error TS\d+: /);
    expect(readFileSync(main('store'))).toEqual(before); // nothing of the failed build was written
  });

  it('refuses a consumer that no longer compiles against the bindings it locked', async () => {
    const { root, tree, main } = typedTree();
    await buildTree(tree);
    const mtime = statSync(main('api')).mtimeMs;
    // The producer's pid becomes a string (a breaking change), and the consumer accepts its genome (`cell types`).
    writeFileSync(join(root, 'cells/store/src/contract.ts'), pidContract('store', 'Type.String()'));
    writeFileSync(join(root, 'cells/store/src/main.ts'), TYPED_MAIN.replace('pid: process.pid', 'pid: String(process.pid)'));
    await generateDependencyTypes(loadCellTree(root), 'accept');
    const err = await errorOf(() => buildTree(loadCellTree(root)));
    expect(err.code).toBe('CELL_E_TYPECHECK_FAILED');
    expect(err.details['errors']).toEqual([expect.stringMatching(/^src\/main\.ts\(3,14\): error TS2322: Type 'string' is not assignable to type 'number'/)]);
    expect(err.details['cell']).toBe('api');
    expect(statSync(main('api')).mtimeMs).toBe(mtime);
  });

  it('takes the incremental path when nothing changed, and skips the check when told to', async () => {
    const { root, tree } = typedTree();
    await buildTree(tree);
    const again = await buildTree(tree);
    expect(again.typecheck).toMatchObject({ programs: 0 });
    expect(again.typecheck?.cells.map((c) => c.status)).toEqual(['up-to-date', 'up-to-date']);
    expect([...again.builds.values()].map((b) => b.typecheck)).toEqual(['up-to-date', 'up-to-date']);

    writeFileSync(join(root, 'cells/store/src/contract.ts'), pidContract('store', 'Type.String()'));
    const off = await buildTree(loadCellTree(root), { typecheck: false });
    expect(off.typecheck).toBeUndefined();
    const store = [...off.builds.values()].find((b) => b.cell === 'store');
    expect(store).toMatchObject({ rebuilt: true, typecheck: 'off' }); // built though it does not type-check
  });
});
