import { describe, expect, it } from 'vitest';
import type { TreeNode } from '@cell/config';
import { capturedLogger, cellToml, plainCell, tempDir, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { ResourceLimiter } from './cgroups.ts';
import { CellSupervisor } from './cell-supervisor.ts';
import { StartGate } from './start-gate.ts';
import { type TreeStatusParts, treeStatusOf } from './tree-status.ts';

const defer = useTeardown();

function setup() {
  const tree = tempTree(defer, {
    'cell.toml': cellToml('root', { entry: false }),
    ...plainCell('cells/api', 'api', 'replicas = 2\n[deps]\nstore = "../store"'),
    ...plainCell('cells/store', 'store', '[resources]\nmemory = "64MiB"'),
  });
  const limiter = new ResourceLimiter('status', { root: tempDir(defer) }); // no cgroups there: touches nothing
  const node = (name: string) => tree.nodes.find((n) => n.name === name)!;
  const supervisor = (n: TreeNode) => new CellSupervisor(n, { limiter, log: capturedLogger().logger, env: {}, treeRoot: tree.root.dir, changed: () => undefined, gate: new StartGate(4) });
  const parts = (over: Partial<TreeStatusParts> = {}): TreeStatusParts => ({
    tree,
    startedAt: 1000,
    phase: 'running',
    supervisors: new Map(tree.nodes.map((n) => [n, supervisor(n)])),
    legacy: [],
    building: new Set(),
    waiting: new Set(),
    network: null,
    gateway: null,
    metrics: null,
    dashboard: null,
    ...over,
  });
  return { tree, node, supervisor, parts };
}

describe('treeStatusOf', () => {
  it('describes the nucleus and every cell with its parent', () => {
    const { tree, parts } = setup();
    const s = treeStatusOf(parts(), 6000);
    expect(s).toMatchObject({ version: 1, root: tree.root.dir, nucleus: { pid: process.pid, startedAt: 1000, uptimeMs: 5000, phase: 'running' }, network: null });
    expect(s.cells.map((c) => [c.name, c.parent, c.state])).toEqual(
      tree.nodes.map((n) => [n.name, n.name === 'root' ? null : 'root', n.name === 'root' ? 'group' : 'stopped']),
    );
    expect(s.cells.find((c) => c.name === 'api')!.replicas.map((r) => r.id)).toEqual(['api-0', 'api-1']);
  });

  it('shows cells being built as building, and cells waiting for their dependencies as starting', () => {
    const { node, parts } = setup();
    const s = treeStatusOf(parts({ building: new Set([node('store')]), waiting: new Set([node('api')]) }));
    const state = (name: string) => s.cells.find((c) => c.name === name)!.state;
    expect(state('store')).toBe('building');
    expect(state('api')).toBe('starting');
    expect(state('root')).toBe('group');
  });

  it('before the supervisors exist (joining the network), shows each cell as starting, with its limits', () => {
    const { parts } = setup();
    const s = treeStatusOf(parts({ supervisors: new Map(), phase: 'starting' }));
    expect(s.nucleus.phase).toBe('starting');
    const store = s.cells.find((c) => c.name === 'store')!;
    expect(store).toMatchObject({ state: 'starting', replicasWanted: 1, replicas: [], failure: null, deps: {} });
    expect(store.limits).toEqual({ memoryBytes: 64 * 2 ** 20, cpu: null, enforcedBy: 'none', warning: null });
    expect(s.cells.find((c) => c.name === 'root')!).toMatchObject({ state: 'group', replicasWanted: 0 });
  });

  it('lists old majors kept running after the tree\'s own cells, and passes the network through', () => {
    const { node, supervisor, parts } = setup();
    const legacy = supervisor({ ...node('store'), name: 'store-v1' });
    const network = { node: '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX', directory: ['127.0.0.1:7700'], p2p: [], peers: 0, known: [], refused: [] };
    const s = treeStatusOf(parts({ legacy: [legacy], network }));
    expect(s.cells.at(-1)).toMatchObject({ name: 'store-v1', parent: 'root' });
    expect(s.network).toEqual(network);
  });
});
