import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CellTree, loadCellTree, type RemoteDepSpec } from '@cell/config';
import { readLock } from '@cell/codegen';
import type { Genome } from '@cell/contract';
import { cellToml, contractSource, errorOf, plainCell, storeGenome, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { writeGenomeFile } from './contract-genome.ts';
import { checkTree, currentGenome, generateDependencyTypes, generateRemoteTypes, lockConsumersTo, majorOf } from './dependency-types.ts';

const defer = useTeardown();

const GET = 'get: unary({ input: Type.Object({ sku: Type.String() }), output: Type.Integer() }),';
const LIST = 'list: unary({ input: Type.Object({}), output: Type.Array(Type.String()) }),';
const GET_RENAMED = 'get: unary({ input: Type.Object({ code: Type.String() }), output: Type.Integer() }),';

/** root holds `api`, which calls `store` as "inventory"; store's contract module is `contract`. */
function shop(storeContract: string | null = contractSource('store', '1.0.0', GET, true)) {
  const root = tempDir(defer, {
    'cell.toml': cellToml('root', { entry: false }),
    ...plainCell('cells/api', 'api', '[deps]\ninventory = "../store"'),
    ...plainCell('cells/store', 'store'),
    ...(storeContract ? { 'cells/store/src/contract.ts': storeContract } : {}),
    'cells/store/.cell/build/.keep': '', // as after a build: genome files go in .cell/
  });
  const tree = loadCellTree(root);
  const node = (name: string) => tree.nodes.find((n) => n.name === name)!;
  const setContract = (source: string) => writeFileSync(join(node('store').dir, 'src/contract.ts'), source);
  const lockedFingerprint = () => readLock(node('api').dir)?.deps['inventory']?.fingerprint;
  return { tree, node, setContract, lockedFingerprint };
}

async function only(tree: CellTree, mode: 'build' | 'accept' | 'offline') {
  const results = await generateDependencyTypes(tree, mode);
  expect(results).toHaveLength(1);
  return results[0]!;
}

describe('generateDependencyTypes', () => {
  it('locks a new dependency and writes its bindings under the consumer\'s name for it', async () => {
    const { tree, node, lockedFingerprint } = shop();
    const t = await only(tree, 'build');
    expect(t).toMatchObject({ consumer: 'api', dep: 'inventory', producer: 'store', source: 'source', action: 'created', report: undefined, bindingsFile: join(node('api').dir, '.cell/bindings/inventory.ts') });
    expect(Object.keys(t.genome.methods).sort()).toEqual(['get', 'whoami']);
    expect(readFileSync(t.bindingsFile, 'utf8').length).toBeGreaterThan(0);
    expect(lockedFingerprint()).toBe(t.genome.fingerprint);
    expect(readLock(node('api').dir)?.deps['inventory']).toMatchObject({ cell: 'store', version: '1.0.0', genome: t.genome });
    expect((await only(tree, 'build')).action).toBe('unchanged');
  });

  it('takes a compatible change up into the lock', async () => {
    const { tree, setContract, lockedFingerprint } = shop();
    const before = await only(tree, 'build');
    setContract(contractSource('store', '1.0.0', `${GET}\n${LIST}`, true));
    const t = await only(tree, 'build');
    expect(t).toMatchObject({ action: 'updated', source: 'source' });
    expect(t.report!.breaking).toEqual([]);
    expect(t.report!.compatible.length).toBeGreaterThan(0);
    expect(lockedFingerprint()).toBe(t.genome.fingerprint);
    expect(lockedFingerprint()).not.toBe(before.genome.fingerprint);
  });

  it('keeps the locked genome on a breaking change when building, and takes it when accepting', async () => {
    const { tree, setContract, lockedFingerprint } = shop();
    const locked = (await only(tree, 'build')).genome;
    setContract(contractSource('store', '1.0.0', GET_RENAMED, true));
    const kept = await only(tree, 'build');
    expect(kept).toMatchObject({ action: 'kept-locked', source: 'lock', genome: locked });
    expect(kept.report!.breaking.length).toBeGreaterThan(0);
    expect(lockedFingerprint()).toBe(locked.fingerprint);

    const accepted = await only(tree, 'accept');
    expect(accepted).toMatchObject({ action: 'updated', source: 'source' });
    expect(lockedFingerprint()).toBe(accepted.genome.fingerprint);
  });

  it('offline, binds from the lock alone, and fails without one', async () => {
    const { tree, setContract } = shop();
    const locked = (await only(tree, 'build')).genome;
    setContract(contractSource('store', '1.0.0', GET_RENAMED, true));
    expect(await only(tree, 'offline')).toMatchObject({ action: 'unchanged', source: 'lock', genome: locked });

    const fresh = shop();
    expect((await errorOf(() => generateDependencyTypes(fresh.tree, 'offline'))).code).toBe('CELL_E_BUILD_FAILED');
    expect(existsSync(join(fresh.node('api').dir, 'cell.lock'))).toBe(false);
  });

  it('falls back to the genome the producer\'s last build recorded, and fails when there is none', async () => {
    const { tree, node } = shop(null); // store has no contract module
    expect((await errorOf(() => generateDependencyTypes(tree, 'build'))).code).toBe('CELL_E_BUILD_FAILED');
    writeGenomeFile(node('store').dir, storeGenome('1.0.0'));
    expect(await only(tree, 'build')).toMatchObject({ action: 'created', source: 'recorded', genome: storeGenome('1.0.0') });
  });

  it('only binds the consumers it is given', async () => {
    const { tree, node } = shop();
    expect(await generateDependencyTypes(tree, 'build', [node('store')])).toEqual([]);
    expect(existsSync(join(node('api').dir, 'cell.lock'))).toBe(false);
  });
});

describe('currentGenome', () => {
  it('looks in the given order and says where it found the genome', async () => {
    const { node } = shop();
    const store = node('store');
    writeGenomeFile(store.dir, storeGenome('0.9.0'));
    expect(await currentGenome(store, ['live'])).toBeUndefined(); // nothing runs
    expect(await currentGenome(store, ['live', 'recorded', 'source'])).toMatchObject({ source: 'recorded', genome: { version: '0.9.0' } });
    expect(await currentGenome(store, ['source', 'recorded'])).toMatchObject({ source: 'source', genome: { version: '1.0.0' } });
  });
});

describe('checkTree', () => {
  it('reports, per edge, the changes from the lock to the producer\'s source', async () => {
    const { tree, setContract } = shop();
    const [unlocked] = await checkTree(tree);
    expect(unlocked).toMatchObject({ consumer: 'api', dep: 'inventory', producer: 'store', locked: null, current: { version: '1.0.0', source: 'source' }, report: { compatible: [], breaking: [] } });

    await generateDependencyTypes(tree, 'build');
    setContract(contractSource('store', '1.0.0', GET_RENAMED, true));
    const [edge] = await checkTree(tree);
    expect(edge!.locked).toMatchObject({ version: '1.0.0' });
    expect(edge!.current!.fingerprint).not.toBe(edge!.locked!.fingerprint);
    expect(edge!.report.breaking.length).toBeGreaterThan(0);
  });
});

describe('lockConsumersTo', () => {
  it('moves only the consumers\' entries for that producer onto the genome given, breaking or not', async () => {
    const { tree, node, lockedFingerprint } = shop();
    await only(tree, 'build');
    const next = storeGenome('1.1.0', 'breaking');
    const moved = await lockConsumersTo(tree, node('store'), next);
    expect(moved).toEqual([expect.objectContaining({ consumer: 'api', dep: 'inventory', producer: 'store', source: 'source', action: 'updated', genome: next })]);
    expect(moved[0]!.report!.breaking.length).toBeGreaterThan(0);
    expect(lockedFingerprint()).toBe(next.fingerprint);
    expect(await lockConsumersTo(tree, node('api'), next)).toEqual([]); // nobody depends on api
  });
});

describe('generateDependencyTypes from the source first', () => {
  it('takes the source genome even where a recorded (or live) one comes first by default', async () => {
    const { tree, node, setContract } = shop();
    await only(tree, 'build');
    writeGenomeFile(node('store').dir, storeGenome('0.9.0'));
    setContract(contractSource('store', '1.0.0', GET_RENAMED, true));
    const [fromSource] = await generateDependencyTypes(tree, 'accept', tree.nodes, ['source', 'recorded']);
    expect(fromSource).toMatchObject({ source: 'source', action: 'updated' });
    expect(Object.keys(fromSource!.genome.methods.get!.input.properties as object)).toEqual(['code']);
    const [recorded] = await generateDependencyTypes(tree, 'accept', tree.nodes, ['recorded', 'source']);
    expect(recorded).toMatchObject({ source: 'recorded', genome: { version: '0.9.0' } });
  });
});

describe('generateRemoteTypes', () => {
  function remoteTree() {
    const root = tempDir(defer, { ...plainCell('.', 'shop', '[deps]\nstock = { major = 1 }') });
    return { tree: loadCellTree(root), dir: root };
  }

  it('binds a dependency on another node to the genome the network gives, then to the lock when unreachable', async () => {
    const { tree, dir } = remoteTree();
    const live = storeGenome('1.2.0', 'base', 'stock');
    const asked: Array<[RemoteDepSpec, Genome | undefined]> = [];
    const [created] = await generateRemoteTypes(tree, async (dep, locked) => {
      asked.push([dep, locked]);
      return live;
    });
    expect(created).toMatchObject({ consumer: 'shop', dep: 'stock', producer: 'stock', source: 'live', action: 'created', genome: live });
    expect(asked).toEqual([[expect.objectContaining({ name: 'stock', axon: undefined, major: 1 }), undefined]]);
    expect(readLock(dir)?.deps['stock']?.fingerprint).toBe(live.fingerprint);

    const [offline] = await generateRemoteTypes(tree, async () => {
      throw new Error('no route to host');
    });
    expect(offline).toMatchObject({ source: 'lock', action: 'unchanged', genome: live });
  });

  it('without a network, needs a lock (CELL_E_BUILD_FAILED otherwise)', async () => {
    const { tree } = remoteTree();
    expect((await errorOf(() => generateRemoteTypes(tree, undefined))).code).toBe('CELL_E_BUILD_FAILED');
  });

  it('does nothing for a tree without remote dependencies', async () => {
    const { tree } = shop();
    let asked = 0;
    expect(await generateRemoteTypes(tree, async () => void asked++)).toEqual([]);
    expect(asked).toBe(0);
  });
});

describe('majorOf', () => {
  it('is the first number of a version', () => {
    expect([majorOf('1.0.0'), majorOf('12.3.4-rc.1'), majorOf('0.1.0')]).toEqual([1, 12, 0]);
  });
});

