import { loadCellTree } from '@cell/config';
import { type DependencyTypes, generateDependencyTypes } from '@cell/runtime';

/**
 * `cell types [dir]`: regenerates `.cell/bindings/<dep>.ts` for every dependency of every cell in
 * the tree, from the dependency's genome (the running cell, else its source, else its last build)
 * and locks it in cell.lock. `offline`: from cell.lock alone, fetching nothing.
 */
export async function typesCommand(dir: string, options: { offline?: boolean }): Promise<DependencyTypes[]> {
  const tree = loadCellTree(dir);
  return generateDependencyTypes(tree, options.offline ? 'offline' : 'accept');
}
