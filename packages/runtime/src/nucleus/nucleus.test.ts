import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TreeStatus } from '@cell/host';
import { isProcessAlive, nucleusContract, processStartTime, readNucleusPointer } from '@cell/host';
import { connect } from '@cell/sdk';
import type { BuildResult } from '../ribosome/build-cell.ts';
import type { TreeNetworkFactory } from '../network/tree-network.ts';
import { capturedLogger, cellFiles, cellToml, errorOf, type LogLine, tempDir, useTeardown, waitFor, within, whoami } from '../test-fixtures/temp-cells.ts';
import { Nucleus } from './nucleus.ts';
import { runningNucleusPid } from './tree-lock.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();
const START_MS = 60_000;
const LIFE = '[life_cycle]\ngrace = "1s"\n';

/** A tree: a group holding `api`, which depends on `store`. */
function shopFiles(): Record<string, string> {
  return {
    'cell.toml': cellToml('shop', { entry: false }),
    ...cellFiles('cells/api', 'api', { extra: `[deps]\nstore = "../store"\n${LIFE}` }),
    ...cellFiles('cells/store', 'store', { extra: LIFE }),
  };
}

/** Starts a nucleus over `root`; teardown stops it (and kills what is left). */
async function startNucleus(root: string, over: { network?: TreeNetworkFactory; onBuild?: (r: BuildResult) => void } = {}, teardown = defer) {
  const { logger, lines } = capturedLogger();
  let changes = 0;
  const nucleus = Nucleus.create({ root, logger, onChange: () => void changes++, ...over });
  teardown(async () => {
    await within(nucleus.stop(), 20_000, 'stopping the nucleus').catch(() => nucleus.kill());
  });
  await within(nucleus.start(), START_MS, 'the tree to start');
  return { nucleus, lines, changes: () => changes };
}

const cellOf = (s: TreeStatus, name: string) => s.cells.find((c) => c.name === name)!;


describe('Nucleus over a local tree', () => {
  let root: string;
  let run: Awaited<ReturnType<typeof startNucleus>>;
  let networkAsked = 0;
  const built: string[] = [];

  beforeAll(async () => {
    root = tempDir(deferAll, shopFiles());
    run = await startNucleus(root, { network: async () => (networkAsked++, Promise.reject(new Error('a local tree has no network'))), onBuild: (r) => built.push(r.cell) }, deferAll);
  });

  it('builds every cell, then starts them; the tree is running', () => {
    expect(built.sort()).toEqual(['api', 'store']);
    const s = run.nucleus.status();
    expect(s.nucleus).toMatchObject({ pid: process.pid, phase: 'running' });
    expect(s.cells.map((c) => [c.name, c.state])).toEqual(expect.arrayContaining([['shop', 'group'], ['api', 'ready'], ['store', 'ready']]));
    expect(run.nucleus.failedCells()).toEqual([]);
    expect(existsSync(join(root, 'cells/api/cell.lock'))).toBe(true); // built against store's genome
    expect(run.lines.filter((l) => l.msg === 'cell built').map((l) => l['cell']).sort()).toEqual(['api', 'store']);
    expect(run.changes()).toBeGreaterThan(0);
  });

  it('never joins a network: the tree has no [network]', () => {
    expect(networkAsked).toBe(0);
    expect(run.nucleus.status().network).toBeNull();
  });

  it('holds the tree lock and points every cell to itself', () => {
    expect(runningNucleusPid(root)).toBe(process.pid);
    for (const dir of [root, join(root, 'cells/api'), join(root, 'cells/store')]) expect(readNucleusPointer(dir)).toMatchObject({ pid: process.pid, root });
  });

  it('runs each cell\'s replica on its socket', async () => {
    for (const name of ['api', 'store']) {
      const replica = cellOf(run.nucleus.status(), name).replicas[0]!;
      expect(await whoami(join(root, 'cells', name, replica.socket!))).toMatchObject({ pid: replica.pid });
    }
  });

  it('answers on its control socket: status, and start of a cell by name or directory', async () => {
    const control = connect(nucleusContract, { socketPath: join(root, 'run', 'nucleus.sock'), timeoutMs: 20_000 });
    defer(() => control.$close());
    const s = await control.status({});
    expect(cellOf(s, 'store')).toMatchObject({ state: 'ready', deps: {} });
    expect(await control.start({ cell: 'store' })).toEqual({ ready: 1 });
    expect(await control.start({ cell: join(root, 'cells/api') })).toEqual({ ready: 1 });
    expect(run.nucleus.find('store')).toBe(run.nucleus.find(join(root, 'cells/store')));
  });

  it('refuses a second nucleus for the tree (CELL_E_TREE_RUNNING), which leaves the first one\'s tree alone', async () => {
    // The running tree's cgroups, where this machine has them (the nucleus names them after the root).
    const group = `cell-${createHash('sha256').update(root).digest('hex').slice(0, 10)}`;
    const groups = ['/sys/fs/cgroup', '/sys/fs/cgroup/memory', '/sys/fs/cgroup/cpu'].map((b) => join(b, group)).filter((d) => existsSync(d));
    const second = Nucleus.create({ root, logger: capturedLogger().logger });
    const err = await errorOf(() => within(second.start(), 20_000, 'the second start'));
    expect(err.code).toBe('CELL_E_TREE_RUNNING');
    expect(err.details['pid']).toBe(process.pid);
    expect(runningNucleusPid(root)).toBe(process.pid);
    expect(readNucleusPointer(join(root, 'cells/store'))).toMatchObject({ pid: process.pid });
    expect(run.nucleus.status().cells.find((c) => c.name === 'store')!.state).toBe('ready');
    expect(groups.filter((d) => !existsSync(d))).toEqual([]); // kept: the running tree's replicas need them
  });

  it('stops dependents before their dependencies, then lets go of everything', async () => {
    const before = run.nucleus.status();
    const pids = ['api', 'store'].map((n) => cellOf(before, n).replicas[0]!.pid!);
    await within(run.nucleus.stop(), 20_000, 'the tree to stop');
    await within(run.nucleus.stopped, 1000, 'the stopped signal');
    const after = run.nucleus.status();
    expect(after.nucleus.phase).toBe('stopping');
    const [api, store] = ['api', 'store'].map((n) => cellOf(after, n));
    expect([api!.state, store!.state]).toEqual(['stopped', 'stopped']);
    expect(store!.replicas[0]!.lastExit!.at).toBeGreaterThanOrEqual(api!.replicas[0]!.lastExit!.at);
    for (const pid of pids) await waitFor(`process ${pid} to be gone`, () => !isProcessAlive(pid), 10_000);
    expect(runningNucleusPid(root)).toBeUndefined();
    for (const dir of [root, join(root, 'cells/api'), join(root, 'cells/store')]) expect(existsSync(join(dir, 'run', 'nucleus.json'))).toBe(false);
    expect(run.lines.at(-1)).toMatchObject({ level: 'info', msg: 'tree stopped', component: 'runtime.nucleus', root });
  });
});

describe('Nucleus with a cell that cannot start', () => {
  it('starts the rest of the tree and names the failed cell', async () => {
    const root = tempDir(defer, {
      'cell.toml': cellToml('shop', { entry: false }),
      ...cellFiles('cells/store', 'store', { extra: LIFE }),
      ...cellFiles('cells/broken', 'broken', { crashOnStart: true, extra: `${LIFE}restart = { max = 0 }\n` }),
    });
    const { nucleus, lines } = await startNucleus(root);
    expect(nucleus.failedCells()).toEqual(['broken']);
    expect(cellOf(nucleus.status(), 'store').state).toBe('ready');
    expect(lines.filter((l: LogLine) => l.msg === 'cell failed to start')).toEqual([expect.objectContaining({ level: 'error', cell: 'broken' })]);
    const pid = readFileSync(join(root, 'run', 'nucleus.pid'), 'utf8');
    expect(JSON.parse(pid)).toEqual({ pid: process.pid, startTime: processStartTime(process.pid) });
  });
});
