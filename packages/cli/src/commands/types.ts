import { loadCellTree } from '@cell/config';
import { type DependencyTypes, generateDependencyTypes, generateRemoteTypes, type GenomeSource } from '@cell/runtime';

/**
 * `cell types [dir]`: regenerates `.cell/bindings/<dep>.ts` for every dependency of every cell in
 * the tree, from the dependency's genome (the running cell, else its source, else its last build)
 * and locks it in cell.lock. `offline`: from cell.lock alone, fetching nothing. `fromSource`: from
 * its source first (its contract module, else its last build) — the genome a reload would serve,
 * not the one running. Dependencies on other nodes always come from cell.lock here: a running
 * node refreshes them.
 */
export async function typesCommand(dir: string, options: { offline?: boolean; fromSource?: boolean }): Promise<DependencyTypes[]> {
  const tree = loadCellTree(dir);
  const order: GenomeSource[] = options.fromSource ? ['source', 'recorded'] : ['live', 'source', 'recorded'];
  const local = await generateDependencyTypes(tree, options.offline ? 'offline' : 'accept', tree.nodes, order);
  // Dependencies on other nodes are reached by a running node (cell mitosis); here, cell.lock.
  const remote = await generateRemoteTypes(tree, undefined, 'offline');
  return [...local, ...remote];
}
