import type { CellTree, TreeNode } from '@cell/config';

/**
 * Runs `start` for each cell once its dependencies' starts have settled (failed ones included), so
 * independent cells start together; resolves when every start settled.
 */
export async function inDependencyOrder(tree: CellTree, start: (node: TreeNode) => Promise<void>): Promise<void> {
  const started = new Map<TreeNode, Promise<void>>();
  const startNode = (node: TreeNode): Promise<void> => {
    let p = started.get(node);
    if (p) return p;
    p = Promise.allSettled(Object.values(node.deps).map(startNode)).then(() => start(node));
    started.set(node, p);
    return p;
  };
  await Promise.allSettled(tree.startOrder.map(startNode));
}

/**
 * Runs `stop` for each cell once every cell depending on it (or containing it) has stopped:
 * dependents before their dependencies.
 */
export async function inReverseDependencyOrder(tree: CellTree, stop: (node: TreeNode) => Promise<void>): Promise<void> {
  const dependents = new Map<TreeNode, TreeNode[]>();
  for (const node of tree.nodes) {
    for (const d of [...Object.values(node.deps), ...node.children]) dependents.set(d, [...(dependents.get(d) ?? []), node]);
  }
  const stopped = new Map<TreeNode, Promise<void>>();
  const stopNode = (node: TreeNode): Promise<void> => {
    const known = stopped.get(node);
    if (known) return known;
    stopped.set(node, Promise.resolve()); // a child that depends on its parent must not wait for itself
    const p = Promise.allSettled((dependents.get(node) ?? []).map(stopNode)).then(() => stop(node));
    stopped.set(node, p);
    return p;
  };
  await Promise.allSettled(tree.nodes.map(stopNode));
}
