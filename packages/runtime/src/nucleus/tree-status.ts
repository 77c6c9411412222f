import { type CellTree, runsProcess, type TreeNode } from '@cell/config';
import type { TreeStatus } from '@cell/host';
import type { CellSupervisor } from './cell-supervisor.ts';

/** What a tree's status is made of. */
export interface TreeStatusParts {
  tree: CellTree;
  startedAt: number;
  phase: TreeStatus['nucleus']['phase'];
  supervisors: ReadonlyMap<TreeNode, CellSupervisor>;
  /** Old majors kept running beside their successors. */
  legacy: readonly CellSupervisor[];
  building: ReadonlySet<TreeNode>;
  waiting: ReadonlySet<TreeNode>;
  network: TreeStatus['network'];
  gateway: TreeStatus['gateway'];
  metrics: TreeStatus['metrics'];
  dashboard: TreeStatus['dashboard'];
  /** The spare Node process waiting for the next cell to start, if any. */
  sparePid?: number | undefined;
}

/** `cell status` of a tree (docs/status.md), without asking the replicas anything. */
export function treeStatusOf(p: TreeStatusParts, now = Date.now()): TreeStatus {
  const parents = new Map<string, string>();
  for (const node of p.tree.nodes) for (const c of node.children) parents.set(c.dir, node.name);
  const parentOf = (dir: string) => parents.get(dir) ?? null;
  return {
    version: 1,
    root: p.tree.root.dir,
    nucleus: { pid: process.pid, startedAt: p.startedAt, uptimeMs: now - p.startedAt, phase: p.phase, ...(p.sparePid === undefined ? {} : { sparePid: p.sparePid }) },
    cells: [
      ...p.tree.nodes.map((node) => {
        const sup = p.supervisors.get(node);
        const s = sup ? sup.status(parentOf(node.dir)) : placeholderStatus(node, parentOf(node.dir));
        if (p.building.has(node)) s.state = 'building';
        else if ((p.waiting.has(node) || !sup) && s.state === 'stopped') s.state = 'starting';
        return s;
      }),
      ...p.legacy.map((l) => l.status(parentOf(l.node.dir))),
    ],
    network: p.network,
    gateway: p.gateway,
    metrics: p.metrics,
    dashboard: p.dashboard,
  };
}

/** A cell's status before its supervisor exists (while the nucleus joins the network). */
function placeholderStatus(node: TreeNode, parent: string | null): TreeStatus['cells'][number] {
  const { memory, cpu } = node.config.resources;
  return {
    name: node.name,
    version: node.config.cell.version,
    dir: node.dir,
    parent,
    state: runsProcess(node.config) ? 'stopped' : 'group',
    replicasWanted: runsProcess(node.config) ? node.replicas : 0,
    idleTimeoutMs: node.config.lifeCycle.idleTimeoutMs ?? null,
    limits: { memoryBytes: memory.max ?? null, cpu: cpu.max ?? null, enforcedBy: 'none', warning: null },
    replicas: [],
    failure: null,
    deps: {},
    methods: {},
  };
}
