import { loadCellTree, type TreeNode } from '@cell/config';
import { buildCell, type BuildResult } from '@cell/runtime';

function depsOf(node: TreeNode) {
  return Object.fromEntries(Object.entries(node.deps).map(([k, d]) => [k, { name: d.name, dir: d.dir }]));
}

/** `cell build [dir]`: builds every cell of the tree that has code (incrementally unless forced). */
export async function buildCommand(dir: string, options: { force?: boolean }, progress: (r: BuildResult) => void): Promise<BuildResult[]> {
  const tree = loadCellTree(dir);
  const queue = tree.startOrder.filter((n) => n.config.cell.entry);
  const results: BuildResult[] = [];
  // esbuild runs builds concurrently in one service; a few at a time keeps both cores busy.
  const worker = async () => {
    for (let node = queue.shift(); node; node = queue.shift()) {
      const r = await buildCell(node.config, depsOf(node), { force: options.force ?? false });
      progress(r);
      results.push(r);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  return results;
}
