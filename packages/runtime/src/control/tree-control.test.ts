import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Nucleus } from '../nucleus/nucleus.ts';
import { runningNucleusPid } from '../nucleus/tree-lock.ts';
import { GENOME_FILE } from '../ribosome/contract-genome.ts';
import { capturedLogger, cellFiles, cellToml, contractSource, errorOf, plainCell, startSleeper, tempDir, useTeardown, within, whoami } from '../test-fixtures/temp-cells.ts';
import { buildTreeChecked, findRunningTree, reloadCell, restartCell, runningTree, stopCell, treeStatus } from './tree-control.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();
const LIFE = '[life_cycle]\ngrace = "1s"\n';
const GET = 'get: unary({ input: Type.Object({ sku: Type.String() }), output: Type.Integer() }),';
const GET_RENAMED = 'get: unary({ input: Type.Object({ code: Type.String() }), output: Type.Integer() }),';


describe('tree control without a running tree', () => {
  const tree = () => tempDir(defer, { 'cell.toml': cellToml('shop', { entry: false }), ...plainCell('cells/api', 'api') });

  it('finds no tree, and says so with CELL_E_TREE_NOT_RUNNING', async () => {
    const root = tree();
    const api = join(root, 'cells/api');
    expect(findRunningTree(api)).toBeUndefined();
    expect((await errorOf(() => runningTree(api))).code).toBe('CELL_E_TREE_NOT_RUNNING');
    expect((await errorOf(() => treeStatus(api))).code).toBe('CELL_E_TREE_NOT_RUNNING');
    expect((await errorOf(() => reloadCell(api))).code).toBe('CELL_E_TREE_NOT_RUNNING');
    expect((await errorOf(() => restartCell(api))).code).toBe('CELL_E_TREE_NOT_RUNNING');
    expect((await errorOf(() => stopCell(api, 1000))).code).toBe('CELL_E_TREE_NOT_RUNNING');
  });

  it('stops the standalone processes of a cell outside any running tree', async () => {
    const root = tree();
    const api = join(root, 'cells/api');
    const sleeper = await startSleeper(defer);
    mkdirSync(join(api, 'run'));
    writeFileSync(join(api, 'run', 'api-0.pid'), JSON.stringify({ pid: sleeper.pid, startTime: sleeper.startTime }));
    expect(await within(stopCell(api, 5000), 10_000, 'the stop')).toEqual({ standalone: [sleeper.pid] });
  });

  it('builds a tree that is not running, without asking anyone', async () => {
    const root = tree();
    const { builds } = await buildTreeChecked(root, {});
    expect([...builds.keys()].map((n) => n.name)).toEqual(['api']);
  });
});

describe('tree control of a tree running in this process', () => {
  let root: string;
  let nucleus: Nucleus;
  const dirOf = (name: string) => join(root, 'cells', name);
  const replicaOf = async (name: string) => (await treeStatus(root)).cells.find((c) => c.name === name)!.replicas[0]!;

  beforeAll(async () => {
    root = tempDir(deferAll, {
      'cell.toml': cellToml('shop', { entry: false }),
      ...cellFiles('cells/api', 'api', { extra: `[deps]\nstore = "../store"\n${LIFE}` }),
      ...cellFiles('cells/store', 'store', { extra: LIFE, extraMethods: GET }),
    });
    nucleus = Nucleus.create({ root, logger: capturedLogger().logger });
    deferAll(() => within(nucleus.stop(), 20_000, 'stopping the nucleus').catch(() => nucleus.kill()));
    await within(nucleus.start(), 60_000, 'the tree to start');
  });

  it('finds the running tree from any directory of its cells', async () => {
    for (const dir of [root, dirOf('api'), join(dirOf('api'), 'src')]) {
      const running = findRunningTree(dir)!;
      expect(running.root).toBe(root);
      await running.control.$close();
    }
  });

  it('gives the tree\'s status', async () => {
    const s = await treeStatus(dirOf('api'));
    expect(s.root).toBe(root);
    expect(s.nucleus.pid).toBe(process.pid);
    expect(s.cells.filter((c) => c.replicas.length > 0).map((c) => [c.name, c.state]).sort()).toEqual([['api', 'ready'], ['store', 'ready']]);
  });

  it('reloads a cell: new processes, rebuilt only when its code changed', async () => {
    const before = await replicaOf('store');
    expect(await within(reloadCell(dirOf('store')), 30_000, 'the reload')).toEqual({ replaced: 1, rebuilt: false, keptMajor: null });
    const same = await replicaOf('store');
    expect(same.pid).not.toBe(before.pid);

    writeFileSync(join(dirOf('store'), 'src/main.ts'), cellFiles('.', 'store', { build: 'two' })['./src/main.ts']!);
    expect(await within(reloadCell(dirOf('store')), 30_000, 'the reload')).toEqual({ replaced: 1, rebuilt: true, keptMajor: null });
    const after = await replicaOf('store');
    expect(await whoami(join(dirOf('store'), after.socket!))).toEqual({ pid: after.pid, replica: 'store-0', build: 'two' });
  });

  it('restarts a cell: a new process of the build it runs, even when its source changed since', async () => {
    const before = await replicaOf('store');
    const served = await whoami(join(dirOf('store'), before.socket!));
    writeFileSync(join(dirOf('store'), 'src/main.ts'), cellFiles('.', 'store', { build: 'not built' })['./src/main.ts']!);
    expect(await within(restartCell(dirOf('store')), 30_000, 'the restart')).toEqual({ replaced: 1 });
    const after = await replicaOf('store');
    expect(after.pid).not.toBe(before.pid);
    expect(await whoami(join(dirOf('store'), after.socket!))).toEqual({ ...served, pid: after.pid });
  });

  it('refuses to restart a group (no process) with CELL_E_INVALID_ARGUMENT, and a directory that is no cell of the tree with CELL_E_CONFIG_NOT_FOUND', async () => {
    expect((await errorOf(() => restartCell(root))).code).toBe('CELL_E_INVALID_ARGUMENT');
    expect((await errorOf(() => restartCell(join(root, 'cells')))).code).toBe('CELL_E_CONFIG_NOT_FOUND');
  });

  it('refuses a reload, and a build, that would break a running consumer (CELL_E_SCHEMA_MISMATCH)', async () => {
    const before = await replicaOf('store');
    const genomeBefore = readFileSync(join(dirOf('store'), GENOME_FILE), 'utf8');
    writeFileSync(join(dirOf('store'), 'src/contract.ts'), contractSource('store', '1.0.0', GET_RENAMED));
    const err = await errorOf(() => within(reloadCell(dirOf('store')), 30_000, 'the reload'));
    expect(err.code).toBe('CELL_E_SCHEMA_MISMATCH');
    expect((await errorOf(() => within(buildTreeChecked(root, {}), 30_000, 'the build'))).code).toBe('CELL_E_SCHEMA_MISMATCH');
    expect((await replicaOf('store')).pid).toBe(before.pid); // the old one keeps serving
    expect(readFileSync(join(dirOf('store'), GENOME_FILE), 'utf8')).toBe(genomeBefore); // nothing was written
  });

  it('with a major bump, reloads and keeps the old major running for the consumer built against it', async () => {
    writeFileSync(join(dirOf('store'), 'cell.toml'), cellToml('store', { version: '2.0.0', extra: LIFE }));
    writeFileSync(join(dirOf('store'), 'src/contract.ts'), contractSource('store', '2.0.0', GET_RENAMED));
    expect(await within(reloadCell(dirOf('store')), 30_000, 'the reload')).toEqual({ replaced: 1, rebuilt: true, keptMajor: 1 });
    const cells = (await treeStatus(root)).cells;
    expect(cells.find((c) => c.name === 'store-v1')).toMatchObject({ state: 'ready', dir: dirOf('store'), version: '1.0.0' });
    expect(cells.find((c) => c.name === 'store')).toMatchObject({ state: 'ready', version: '2.0.0' });
  });

  it('stops the tree through its nucleus, which lets go of it; this process goes on', async () => {
    expect(await within(stopCell(dirOf('api'), 20_000), 30_000, 'the stop')).toEqual({ tree: root });
    await within(nucleus.stopped, 5000, 'the nucleus to report it stopped');
    expect(runningNucleusPid(root)).toBeUndefined();
    expect(findRunningTree(root)).toBeUndefined();
  });
});
