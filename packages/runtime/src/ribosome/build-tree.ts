import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellTree, TreeNode } from '@cell/config';
import type { Genome } from '@cell/contract';
import type { DependencyRef } from '@cell/host';
import { buildCell, BUILD_DIR, type BuildResult, MAIN_FILE, TREE_SDK_DIR, TYPECHECK_DIR } from './build-cell.ts';
import { forgetSdkBundles, pruneSdkBundles, sdkOfBuild } from './sdk-bundle.ts';
import { buildProcessCell } from './build-process-cell.ts';
import { genomesFromSources, writeGenomeFile } from './contract-genome.ts';
import { type DependencyTypes, generateDependencyTypes, generateRemoteTypes } from './dependency-types.ts';
import { typecheckCells, type TypecheckReport } from './typecheck-cells.ts';

/** A cell's dependencies as its processes receive them (`CELL_DEPS`): local ones, and on other nodes. */
export function localDeps(node: TreeNode, trustedKeys: readonly string[] = []): Record<string, DependencyRef> {
  const deps: Record<string, DependencyRef> = {};
  for (const [k, d] of Object.entries(node.deps)) if (!d.config.process) deps[k] = { name: d.name, dir: d.dir }; // a process cell is reached at its address (CELL_DEP_*)
  for (const [k, d] of Object.entries(node.config.remoteDeps)) deps[k] = { name: d.name, axon: d.axon, major: d.major, trust: [...new Set([...d.trust, ...trustedKeys])] };
  return deps;
}

export interface TreeBuild {
  builds: Map<TreeNode, BuildResult>;
  types: DependencyTypes[];
  /** The type-check of the tree's cells; undefined when it was turned off. */
  typecheck: TypecheckReport | undefined;
}

export interface TreeBuildOptions {
  force?: boolean;
  /** False: build without type-checking (default true). */
  typecheck?: boolean;
  onBuild?: (r: BuildResult) => void;
}

/** Runs `fn` over `items`, `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(Array.from({ length: limit }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await fn(item);
  }));
}

/**
 * Builds a tree in the order compile-time safety needs: every cell's genome from its contract
 * module, then each consumer's bindings (and cell.lock) from its dependencies' genomes, then
 * each cell's bundle while the cells are type-checked against those bindings (together, state in
 * the root's `.cell/typecheck/`); a cell that does not type-check gets no new bundle. Errors of
 * all cells are reported together.
 */
export async function buildTree(tree: CellTree, options: TreeBuildOptions = {}): Promise<TreeBuild> {
  const failures: CellError<string>[] = [];
  const record = (err: unknown): void => {
    failures.push(err as CellError<string>);
  };
  const genomes = new Map<TreeNode, Genome>();
  const read = await genomesFromSources(tree.nodes.map((n) => n.config));
  read.forEach((g, i) => (g instanceof CellError ? record(g) : g && genomes.set(tree.nodes[i]!, g)));
  if (failures.length > 0) throw combine(failures);
  const types = [...(await generateDependencyTypes(tree, 'build')), ...(await generateRemoteTypes(tree, undefined))];
  const builds = new Map<TreeNode, BuildResult>();
  if (options.force) forgetSdkBundles(join(tree.root.dir, TREE_SDK_DIR));
  const withCode = tree.startOrder.filter((n) => n.config.cell.entry);
  const typecheck =
    options.typecheck === false ? undefined : typecheckCells(withCode.map((n) => n.config), { stateDir: join(tree.root.dir, TYPECHECK_DIR), force: options.force ?? false });
  typecheck?.catch(() => undefined); // each cell's build awaits it, and reports its failure
  await eachLimited(
    withCode,
    4,
    (node) =>
      buildCell(node.config, localDeps(node), { force: options.force ?? false, typecheck: typecheck ?? false, sdkDir: join(tree.root.dir, TREE_SDK_DIR) }).then((r) => {
        const genome = genomes.get(node);
        if (genome) writeGenomeFile(node.dir, genome);
        builds.set(node, r);
        options.onBuild?.(r);
      }, record),
  );
  // Process cells with a [build] command: the author's own build, incremental like the rest.
  await eachLimited(
    tree.startOrder.filter((n) => n.config.process?.build),
    2,
    (node) =>
      buildProcessCell(node.config, { force: options.force ?? false, treeRoot: tree.root.dir }).then((r) => {
        builds.set(node, r);
        options.onBuild?.(r);
      }, record),
  );
  pruneSdkBundles(join(tree.root.dir, TREE_SDK_DIR), linkedSdks(tree));
  if (failures.length > 0) throw combine(failures);
  return { builds, types, typecheck: await typecheck };
}

/** The SDK bundles the builds of a tree's cells link: each cell's, and its old majors' kept beside it. */
function linkedSdks(tree: CellTree): Set<string> {
  const linked = new Set<string>();
  for (const node of tree.nodes) {
    const builds = join(node.dir, BUILD_DIR);
    const mains = [join(node.dir, MAIN_FILE), ...subdirs(builds).filter((d) => /^v\d+$/.test(d)).map((d) => join(builds, d, 'main.mjs'))];
    for (const main of mains) {
      const sdk = sdkOfBuild(main);
      if (sdk) linked.add(sdk);
    }
  }
  return linked;
}

function subdirs(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch {
    return [];
  }
}

/** One error for the failures of several cells: CELL_E_TYPECHECK_FAILED when that is all they are. */
function combine(all: CellError<string>[]): CellError<string> {
  const failures = [...new Set(all)]; // a compiler that cannot run fails every cell with one error
  if (failures.length === 1) return failures[0]!;
  const code = failures.every((f) => f.code === 'CELL_E_TYPECHECK_FAILED') ? 'CELL_E_TYPECHECK_FAILED' : 'CELL_E_BUILD_FAILED';
  return new CellError(code, failures.map((f) => f.message).join('\n'), { details: { errors: failures.map((f) => f.details) } });
}
