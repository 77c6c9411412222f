import { type CellConfig, loadCellTree, runsProcess, type TreeNode } from '@cell/config';
import type { Genome } from '@cell/contract';
import { toCellError } from '@cell/protocol';
import { currentGenome, type GenomeSource, treeStatus } from '@cell/runtime';
import { locateCell, treeRootAround } from '../locate-tree.ts';

/** `cell describe --json`: what a cell offers and how it runs. */
export interface CellDescription {
  cell: string;
  dir: string;
  version: string;
  /** Where the genome comes from: the running cell, its contract module, its last build; null when none is known. */
  source: GenomeSource | null;
  genome: Genome | null;
  /** Why the genome is not the one the source declares, when it is not (a contract module that does not build). */
  note: string | null;
  replicas: {
    /** Processes the tree runs it as (`replicas`, the largest of its own, its parent's and its consumers'). */
    wanted: number;
    /** Each replica of the running tree; null when no tree runs it. */
    running: Array<{ id: string; state: string; pid: number | null; ports: Record<string, number> }> | null;
  };
  /** What a process cell runs (`[cell] run`, as written), its user and readiness check; null for a Node cell or a group. */
  process: { run: string[]; user: string | null; ready: string; stopSignal: string } | null;
  /** Ports it asks for (0: picked by the nucleus). */
  ports: Array<{ name: string; port: number }>;
  /** Names of the variables it gets from `[env]`/`env_file` and from `[secrets]` (never their values). */
  env: string[];
  secrets: string[];
  /** Sub-cells (a group of cells has no genome of its own). */
  children: string[];
}

/** The cell's node in the tree around it (replicas count as the whole tree decides), else as a tree of its own. */
function nodeOf(dir: string): TreeNode {
  const root = treeRootAround(dir);
  if (root && root !== dir) {
    try {
      const node = loadCellTree(root).nodes.find((n) => n.dir === dir);
      if (node) return node;
    } catch {
      // a problem elsewhere in the tree: describe the cell on its own
    }
  }
  return loadCellTree(dir).root;
}

/** The live genome, else the source's, else the last build's; a source that does not build falls back to the last build, saying so. */
async function genomeOf(node: TreeNode): Promise<{ genome: Genome; source: GenomeSource; note: string | null } | undefined> {
  const live = await currentGenome(node, ['live']);
  if (live) return { ...live, note: null };
  let failure: Error | undefined;
  try {
    const fromSource = await currentGenome(node, ['source']);
    if (fromSource) return { ...fromSource, note: null };
  } catch (err) {
    failure = toCellError(err, 'CELL_E_BUILD_FAILED');
  }
  const recorded = await currentGenome(node, ['recorded']);
  if (recorded) return { ...recorded, note: failure ? `the contract module does not build (${failure.message}); this is the genome of the last build` : null };
  if (failure) throw failure;
  return undefined;
}

/** A process cell's command line and readiness, as written. */
function processOf(config: CellConfig): CellDescription['process'] {
  const p = config.process;
  if (!p) return null;
  const ready = p.ready;
  const check = !ready ? 'once started' : ready.kind === 'tcp' ? `tcp ${ready.port}` : ready.kind === 'unix' ? `unix ${ready.path}` : ready.kind === 'http' ? `http ${ready.target}` : ready.kind === 'exec' ? `exec ${ready.command.join(' ')}` : `log /${ready.pattern}/`;
  return { run: [...p.run], user: p.user ?? null, ready: check, stopSignal: p.stopSignal };
}

/** The replicas of the running tree that runs `dir`, if one does. */
async function runningReplicas(node: TreeNode): Promise<CellDescription['replicas']['running']> {
  let status;
  try {
    status = await treeStatus(node.dir);
  } catch (err) {
    if ((err as { code?: string }).code === 'CELL_E_TREE_NOT_RUNNING') return null;
    throw err;
  }
  const cell = status.cells.find((c) => c.dir === node.dir && c.name === node.name);
  return cell ? cell.replicas.map((r) => ({ id: r.id, state: r.state, pid: r.pid, ports: r.ports })) : null;
}

/**
 * `cell describe <cell>`: a cell's genome (methods, input/output/error schemas, events, version,
 * fingerprint) — from the running cell when it runs, else from its source — and its replicas.
 * `<cell>` is a directory or the name of a cell of the tree around the current directory.
 */
export async function describeCommand(cellArg: string | undefined): Promise<CellDescription> {
  const node = nodeOf(locateCell(cellArg));
  const [found, running] = await Promise.all([genomeOf(node), runningReplicas(node)]);
  return {
    cell: node.name,
    dir: node.dir,
    version: found?.genome.version ?? node.config.cell.version,
    source: found?.source ?? null,
    genome: found?.genome ?? null,
    note: found?.note ?? null,
    replicas: { wanted: runsProcess(node.config) ? node.replicas : 0, running },
    process: processOf(node.config),
    ports: [...node.config.ports],
    env: Object.keys(node.config.env),
    secrets: Object.keys(node.config.secrets),
    children: node.children.map((c) => c.name),
  };
}
