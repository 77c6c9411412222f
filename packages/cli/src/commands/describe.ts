import { loadCellTree, type TreeNode } from '@cell/config';
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
    running: Array<{ id: string; state: string; pid: number | null }> | null;
  };
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
  return cell ? cell.replicas.map((r) => ({ id: r.id, state: r.state, pid: r.pid })) : null;
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
    replicas: { wanted: node.config.cell.entry === undefined ? 0 : node.replicas, running },
    children: node.children.map((c) => c.name),
  };
}
