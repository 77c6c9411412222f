import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CellError } from '@cell/protocol';
import { loadCellTree } from '@cell/config';
import { nucleusContract, readNucleusPointer, type ReplicaSpan, type TreeStatus } from '@cell/host';
import { connect, type Synapse } from '@cell/sdk';
import { isRecordedProcessAlive, readPidFile } from '../files/pid-lock.ts';
import { buildTree, type TreeBuild } from '../ribosome/build-tree.ts';
import type { BuildResult } from '../ribosome/build-cell.ts';
import { currentGenome } from '../ribosome/dependency-types.ts';
import { nucleusPidPath } from '../nucleus/tree-lock.ts';
import { judgeUpgrade, refuseBlocked, upgradeEdges, type UpgradeEdge } from '../nucleus/upgrade-policy.ts';
import { stopStandaloneCell } from '../standalone/standalone-cell.ts';
import { fromControlError } from './control-error.ts';

/** A connection to the nucleus running the tree that contains `dir`. */
export interface RunningTree {
  root: string;
  control: Synapse<typeof nucleusContract>;
}

/** The running nucleus responsible for a cell directory (its own tree, or one it belongs to), if any. */
export function findRunningTree(dir: string): RunningTree | undefined {
  let d = dir;
  for (;;) {
    const pointer = readNucleusPointer(d);
    if (pointer) return { root: pointer.root, control: connect(nucleusContract, { socketPath: pointer.socket, timeoutMs: 120_000 }) };
    const up = dirname(d);
    if (up === d || !existsSync(join(up, 'cell.toml'))) return undefined;
    d = up;
  }
}

/** Like `findRunningTree`, but CELL_E_TREE_NOT_RUNNING when there is none. */
export function runningTree(dir: string): RunningTree {
  const tree = findRunningTree(dir);
  if (!tree) throw new CellError('CELL_E_TREE_NOT_RUNNING', `no running tree contains ${dir}; start it with \`cell mitosis\``);
  return tree;
}

async function withControl<T>(dir: string, fn: (tree: RunningTree) => Promise<T>): Promise<T> {
  const tree = runningTree(dir);
  try {
    return await fn(tree);
  } finally {
    await tree.control.$close();
  }
}

/** The status of the tree running `dir`. */
export function treeStatus(dir: string): Promise<TreeStatus> {
  return withControl(dir, async ({ control }) => {
    const r = await control.status.try({});
    if (!r.ok) throw r.error;
    return r.value;
  });
}

/** The spans the replicas of the tree running `dir` keep: one trace's (a hex prefix of its id), or the newest of all. */
export function treeSpans(dir: string, query: { trace?: string; limit?: number } = {}): Promise<{ spans: ReplicaSpan[]; unanswered: string[] }> {
  return withControl(dir, async ({ control }) => {
    const r = await control.spans.try(query);
    if (!r.ok) throw r.error;
    return r.value;
  });
}

/** Rebuilds a cell of a running tree and replaces its replicas one by one. */
export function reloadCell(dir: string, options: { typecheck?: boolean } = {}): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
  return withControl(dir, async ({ control, root }) => {
    const r = await control.reload.try({ cell: dir, ...(options.typecheck === false ? { typecheck: false } : {}) });
    if (r.ok) return r.value;
    // The nucleus reports why with the cause's own code: surface that, not the contract's error name.
    throw fromControlError(r.error, root);
  });
}

/**
 * Restarts a cell of a running tree: each replica replaced by a new process of the current build
 * (nothing rebuilt), one at a time, dropping no call.
 */
export function restartCell(dir: string): Promise<{ replaced: number }> {
  return withControl(dir, async ({ control, root }) => {
    const r = await control.restart.try({ cell: dir });
    if (r.ok) return r.value;
    throw fromControlError(r.error, root);
  });
}

/**
 * Stops what runs `dir`: its tree, through its nucleus (which drains every cell and exits), or
 * the standalone processes of a cell started on demand. Resolves with what was stopped.
 */
export async function stopCell(dir: string, timeoutMs = 60_000): Promise<{ tree: string } | { standalone: number[] }> {
  const running = findRunningTree(dir);
  if (running) {
    const pid = readPidFile(nucleusPidPath(running.root));
    try {
      await running.control.stop({});
    } finally {
      await running.control.$close();
    }
    // A nucleus in this very process (a program embedding Nucleus) has stopped once it let go of
    // the tree lock; the process goes on, and is never killed.
    const isOwn = pid?.pid === process.pid;
    const runs = () => pid !== undefined && isRecordedProcessAlive(pid) && (!isOwn || readPidFile(nucleusPidPath(running.root))?.pid === pid.pid);
    const deadline = Date.now() + timeoutMs;
    while (runs() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (pid && runs()) {
      if (!isOwn) process.kill(pid.pid, 'SIGKILL');
      throw new CellError('CELL_E_TIMEOUT', `tree ${running.root} did not stop within ${timeoutMs} ms${isOwn ? '' : `; killed its nucleus (pid ${pid.pid})`}`, { details: { pid: pid.pid } });
    }
    return { tree: running.root };
  }
  const stopped = await stopStandaloneCell(dir, timeoutMs);
  if (stopped.length === 0) throw new CellError('CELL_E_TREE_NOT_RUNNING', `nothing is running in ${dir}`);
  return { standalone: stopped };
}

/**
 * `cell build`: builds the tree — but while it runs, a producer change that breaks a running
 * consumer's locked genome (without a major bump) is refused before anything is written, by the
 * same gate `reload` uses.
 */
export async function buildTreeChecked(dir: string, options: { force?: boolean; typecheck?: boolean; onBuild?: (r: BuildResult) => void }): Promise<TreeBuild> {
  const tree = loadCellTree(dir);
  if (readNucleusPointer(tree.root.dir)) {
    const running = new Set((await treeStatus(tree.root.dir)).cells.filter((c) => c.state === 'ready' || c.state === 'degraded').map((c) => c.name));
    const edges: UpgradeEdge[] = [];
    for (const producer of tree.nodes) {
      const next = await currentGenome(producer, ['source', 'recorded']);
      if (next) edges.push(...upgradeEdges(tree, producer, next.genome, (c) => running.has(c.name)));
    }
    refuseBlocked(judgeUpgrade(edges), 'build');
  }
  return buildTree(tree, options);
}
