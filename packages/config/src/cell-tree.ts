import { CellError } from '@cell/protocol';
import type { CellConfig, ConfigProblem } from './cell-config.ts';
import { locateKey } from './internal/key-locator.ts';
import { readSource } from './internal/read-source.ts';
import { readCellConfig, throwProblems } from './load-config.ts';

/** One cell of a tree. */
export interface TreeNode {
  readonly config: CellConfig;
  readonly name: string;
  readonly dir: string;
  /** Processes to run: the largest of the cell's own, its parent's `[cells]` entry and any `[deps]` entry. */
  readonly replicas: number;
  /** Sub-cells (from `[cells]` and the `cells/` folder). */
  readonly children: readonly TreeNode[];
  /** Dependencies by the name this cell gives them. */
  readonly deps: Readonly<Record<string, TreeNode>>;
  /** True for a dependency outside the root's folder of sub-cells. */
  readonly external: boolean;
}

/** A validated tree of cells, ready to start. */
export interface CellTree {
  readonly root: TreeNode;
  /** Every cell once. */
  readonly nodes: readonly TreeNode[];
  /** Dependencies before dependents; sub-cells before their parent. Stop in reverse. */
  readonly startOrder: readonly TreeNode[];
}

interface Draft {
  config: CellConfig;
  replicas: number;
  children: Draft[];
  deps: Record<string, Draft>;
  external: boolean;
}

/**
 * Loads the tree rooted at `rootDir`: the root, its sub-cells recursively, and every path
 * dependency. Problems in all files are reported at once; dependency cycles are named
 * (`a -> b -> a`) with the file and line of the edge that closes them.
 */
export function loadCellTree(rootDir: string): CellTree {
  const drafts = new Map<string, Draft>();
  const problems: ConfigProblem[] = [];
  // A cell reached twice (a sub-cell that is also a dependency) is read once: its problems are reported once.
  const invalid = new Set<string>();
  const visit = (dir: string, external: boolean): Draft | undefined => {
    const known = drafts.get(dir);
    if (known) return known;
    if (invalid.has(dir)) return undefined;
    const { config, problems: found } = readCellConfig(dir);
    if (!config) {
      invalid.add(dir);
      problems.push(...found);
      return undefined;
    }
    const draft: Draft = { config, replicas: config.cell.replicas, children: [], deps: {}, external };
    drafts.set(dir, draft);
    for (const sub of Object.values(config.cells)) {
      const child = visit(sub.dir, false);
      if (!child) continue;
      child.replicas = Math.max(child.replicas, sub.replicas ?? 0);
      draft.children.push(child);
    }
    for (const [name, spec] of Object.entries(config.deps)) {
      if (spec.kind === 'git' && spec.dir === undefined) {
        problems.push({ file: config.file, line: lineOf(config.file, ['deps', name]), key: `deps.${name}`, message: `git dependency ${spec.url}#${spec.ref} is not fetched yet: \`cell build\` (or cell mitosis) fetches it and pins its commit in cell.lock` });
        continue;
      }
      const target = visit(spec.dir!, true);
      if (!target) continue;
      target.replicas = Math.max(target.replicas, spec.replicas ?? 0);
      draft.deps[name] = target;
    }
    return draft;
  };
  const rootDraft = visit(rootDir, false);
  // A dependency reached as a sub-cell somewhere in the tree is not external.
  for (const d of drafts.values()) for (const c of d.children) c.external = false;
  if (rootDraft) problems.push(...findCycles(rootDraft, drafts), ...duplicateNames(drafts), ...rootOnly(rootDraft, drafts, 'gateway'), ...rootOnly(rootDraft, drafts, 'observe'), ...gatewayCellProblems(rootDraft, drafts));
  if (problems.length > 0 || !rootDraft) throwProblems(problems);

  const nodes = new Map<Draft, TreeNode>();
  const freeze = (d: Draft): TreeNode => {
    let node = nodes.get(d);
    if (node) return node;
    const children: TreeNode[] = [];
    const deps: Record<string, TreeNode> = {};
    node = Object.freeze({ config: d.config, name: d.config.cell.name, dir: d.config.dir, replicas: d.replicas, children, deps, external: d.external });
    nodes.set(d, node);
    for (const c of d.children) children.push(freeze(c));
    for (const [k, v] of Object.entries(d.deps)) deps[k] = freeze(v);
    Object.freeze(children);
    Object.freeze(deps);
    return node;
  };
  const root = freeze(rootDraft);
  return Object.freeze({ root, nodes: Object.freeze([...nodes.values()]), startOrder: Object.freeze(startOrder(root)) });
}

function startOrder(root: TreeNode): TreeNode[] {
  const order: TreeNode[] = [];
  const placed = new Set<TreeNode>();
  const place = (n: TreeNode) => {
    if (placed.has(n)) return;
    placed.add(n);
    for (const d of Object.values(n.deps)) place(d);
    for (const c of n.children) place(c);
    order.push(n);
  };
  place(root);
  return order;
}

/** The line of a key in a file already validated (so readable); undefined if it changed since. */
function lineOf(file: string, path: string[]): number | undefined {
  const read = readSource(file);
  return 'source' in read ? locateKey(read.source, path) : undefined;
}

function findCycles(root: Draft, drafts: Map<string, Draft>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const state = new Map<Draft, 'visiting' | 'done'>();
  const stack: Draft[] = [];
  const walk = (d: Draft) => {
    state.set(d, 'visiting');
    stack.push(d);
    for (const [depName, target] of Object.entries(d.deps)) {
      if (state.get(target) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(target)), target].map((x) => x.config.cell.name).join(' -> ');
        problems.push({ file: d.config.file, line: lineOf(d.config.file, ['deps', depName]), key: `deps.${depName}`, message: `dependency cycle: ${cycle}` });
      } else if (!state.has(target)) walk(target);
    }
    stack.pop();
    state.set(d, 'done');
  };
  walk(root);
  for (const d of drafts.values()) if (!state.has(d)) walk(d);
  return problems;
}

function duplicateNames(drafts: Map<string, Draft>): ConfigProblem[] {
  const byName = new Map<string, Draft[]>();
  for (const d of drafts.values()) byName.set(d.config.cell.name, [...(byName.get(d.config.cell.name) ?? []), d]);
  const problems: ConfigProblem[] = [];
  for (const [name, list] of byName) {
    if (list.length < 2) continue;
    for (const d of list.slice(1)) {
      problems.push({
        file: d.config.file,
        line: lineOf(d.config.file, ['cell', 'name']),
        key: 'cell.name',
        message: `another cell in this tree is also named "${name}" (${list[0]!.config.dir}); names must be unique in a tree`,
      });
    }
  }
  return problems;
}

/** A table that is the tree's (written in any other cell.toml it would be silently ignored). */
function rootOnly(root: Draft, drafts: Map<string, Draft>, key: 'gateway' | 'observe'): ConfigProblem[] {
  return [...drafts.values()]
    .filter((d) => d !== root && d.config[key] !== undefined)
    .map((d) => ({ file: d.config.file, line: lineOf(d.config.file, [key]), key, message: `[${key}] belongs in the tree's root cell.toml` }));
}

/** `[gateway]` names cells of the tree that run a process. */
function gatewayCellProblems(root: Draft, drafts: Map<string, Draft>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const cells = root.config.gateway?.cells ?? [];
  cells.forEach((name, i) => {
    const cell = [...drafts.values()].find((d) => d.config.cell.name === name);
    const why = !cell ? 'is not a cell of this tree' : !cell.config.cell.entry ? 'has no methods to expose (a group, or a process cell)' : undefined;
    if (why) problems.push({ file: root.config.file, line: lineOf(root.config.file, ['gateway', 'cells']), key: `gateway.cells[${i}]`, message: `"${name}" ${why}` });
  });
  return problems;
}

/** The node for a directory, or a CELL_E_CONFIG_NOT_FOUND error naming the tree. */
export function findNode(tree: CellTree, dirOrName: string): TreeNode {
  const node = tree.nodes.find((n) => n.dir === dirOrName || n.name === dirOrName);
  if (!node) throw new CellError('CELL_E_CONFIG_NOT_FOUND', `no cell "${dirOrName}" in the tree at ${tree.root.dir}`);
  return node;
}
