import { CellError } from '@cell/protocol';
import type { CellTree, TreeNode } from '@cell/config';
import type { Genome } from '@cell/contract';
import type { DependencyRef } from '@cell/host';
import { buildCell, type BuildResult } from './build-cell.ts';
import { genomesFromSources, writeGenomeFile } from './contract-genome.ts';
import { type DependencyTypes, generateDependencyTypes, generateRemoteTypes } from './dependency-types.ts';

/** A cell's dependencies as its processes receive them (`CELL_DEPS`): local ones, and on other nodes. */
export function localDeps(node: TreeNode, trustedKeys: readonly string[] = []): Record<string, DependencyRef> {
  const deps: Record<string, DependencyRef> = {};
  for (const [k, d] of Object.entries(node.deps)) deps[k] = { name: d.name, dir: d.dir };
  for (const [k, d] of Object.entries(node.config.remoteDeps)) deps[k] = { name: d.name, axon: d.axon, major: d.major, trust: [...new Set([...d.trust, ...trustedKeys])] };
  return deps;
}

export interface TreeBuild {
  builds: Map<TreeNode, BuildResult>;
  types: DependencyTypes[];
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
 * each cell's bundle. Build errors of all cells are reported together.
 */
export async function buildTree(tree: CellTree, options: { force?: boolean; onBuild?: (r: BuildResult) => void } = {}): Promise<TreeBuild> {
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
  await eachLimited(
    tree.startOrder.filter((n) => n.config.cell.entry),
    4,
    (node) =>
      buildCell(node.config, localDeps(node), { force: options.force ?? false }).then((r) => {
        const genome = genomes.get(node);
        if (genome) writeGenomeFile(node.dir, genome);
        builds.set(node, r);
        options.onBuild?.(r);
      }, record),
  );
  if (failures.length > 0) throw combine(failures);
  return { builds, types };
}

function combine(failures: CellError<string>[]): CellError<string> {
  if (failures.length === 1) return failures[0]!;
  return new CellError('CELL_E_BUILD_FAILED', failures.map((f) => f.message).join('\n'), { details: { errors: failures.map((f) => f.details) } });
}
