import { join, relative, sep } from 'node:path';
import { type CellTree, cellTomlPath, type TreeNode } from '@cell/config';
import { BUILD_DIR, MAIN_FILE } from '../ribosome/build-cell.ts';
import { bundleInputs } from '../ribosome/bundle.ts';
import { checkedInputs } from '../ribosome/typecheck-manifest.ts';

/** Everything a cell's last build read: its bundle's inputs, its contract module's, its type-check's. */
function recordedInputs(node: TreeNode): Set<string> {
  return new Set([...bundleInputs(join(node.dir, MAIN_FILE)), ...bundleInputs(join(node.dir, BUILD_DIR, 'contract.mjs')), ...checkedInputs(node.dir)]);
}

/** True when `file` lies in `dir` itself, not in one of `subDirs` (the cells below it). */
function owns(dir: string, subDirs: readonly string[], file: string): boolean {
  const inside = (d: string) => {
    const rel = relative(d, file);
    return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..';
  };
  return inside(dir) && !subDirs.some(inside);
}

/**
 * The cells a set of changed files concerns, in the tree's start order (producers first): those
 * whose last build read one of them, whose cell.toml changed, or that own a changed file (a new
 * file, or one of a cell whose build records are gone).
 */
export function affectedCells(tree: CellTree, changedPaths: readonly string[]): TreeNode[] {
  // A cell's data directory is what its process writes while it runs: never a source.
  const dataDirs = tree.nodes.map((n) => `${join(n.dir, 'data')}${sep}`);
  const changed = changedPaths.filter((f) => !dataDirs.some((d) => f.startsWith(d)));
  if (changed.length === 0) return [];
  return tree.startOrder.filter((node) => {
    if (changed.includes(cellTomlPath(node.dir))) return true;
    const subDirs = tree.nodes.filter((n) => n !== node && n.dir.startsWith(`${node.dir}${sep}`)).map((n) => n.dir);
    if (changed.some((f) => owns(node.dir, subDirs, f))) return true;
    const inputs = recordedInputs(node);
    return changed.some((f) => inputs.has(f));
  });
}
