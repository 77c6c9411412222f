import type { CellTree, TreeNode } from '@cell/config';

/** A cell manages only its own sub-cells: the refusal when `caller` is not `target`'s parent. */
export function notParent(tree: CellTree, target: TreeNode, caller: string | undefined): Extract<ScaleRefusal, { error: 'NotYourCell' }> | undefined {
  const parent = tree.nodes.find((n) => n.children.includes(target));
  if (parent && caller !== undefined && caller === parent.name) return undefined;
  return { error: 'NotYourCell', details: { cell: target.name, parent: parent?.name ?? null, caller: caller ?? null } };
}

/** Why a cell may not be scaled as asked, if it may not. */
export type ScaleRefusal =
  | { error: 'NotYourCell'; details: { cell: string; parent: string | null; caller: string | null } }
  | { error: 'OverCapacity'; details: { resource: string; asked: number; allowed: number } };

/**
 * A cell manages its own sub-cells: only the target's parent may scale it. The tree's root
 * `[resources]` bound the whole tree: with `replicas` of the target, the sum over the tree of
 * each cell's replicas times its per-replica maximum (memory, cpu) must stay within the root's
 * maximum. A cell that declares no maximum counts nothing for that resource.
 */
export function judgeScale(tree: CellTree, target: TreeNode, replicas: number, caller: string | undefined, replicasOf: (node: TreeNode) => number): ScaleRefusal | undefined {
  const notYours = notParent(tree, target, caller);
  if (notYours) return notYours;
  const root = tree.root.config.resources;
  for (const resource of ['memory', 'cpu'] as const) {
    const allowed = root[resource].max;
    if (allowed === undefined) continue;
    let asked = 0;
    for (const node of tree.nodes) {
      if (node === tree.root) continue;
      const each = node.config.resources[resource].max ?? 0;
      asked += each * (node === target ? replicas : replicasOf(node));
    }
    if (asked > allowed) return { error: 'OverCapacity', details: { resource, asked, allowed } };
  }
  return undefined;
}
