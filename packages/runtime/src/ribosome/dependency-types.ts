import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '../files/write-atomic.ts';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellTree, RemoteDepSpec, TreeNode } from '@cell/config';
import { generateBindings, readLock, writeLock, type CellLock } from '@cell/codegen';
import { compareGenomes, type CompatibilityReport, type Genome } from '@cell/contract';
import { replicaSocketPaths } from '@cell/host';
import { fetchGenome } from '@cell/sdk';
import { probeSocket } from '@cell/wire';
import { genomeFromSource, readGenomeFile } from './contract-genome.ts';

/** Where a dependency's genome came from. */
export type GenomeSource = 'live' | 'source' | 'recorded' | 'lock';

/**
 * How `cell.lock` moves:
 * - `build` (cell build / mitosis): new dependencies are locked; compatible changes update the lock;
 *   a breaking change keeps the locked genome (and its bindings) and is reported.
 * - `accept` (cell types): every dependency is locked at its current genome.
 * - `offline` (cell types --offline): nothing is fetched; bindings come from cell.lock alone.
 */
export type LockMode = 'build' | 'accept' | 'offline';

export interface DependencyTypes {
  consumer: string;
  dep: string;
  producer: string;
  source: GenomeSource;
  /** Changes from the locked genome to the current one (undefined when there was no lock entry). */
  report: CompatibilityReport | undefined;
  action: 'created' | 'updated' | 'unchanged' | 'kept-locked';
  /** The genome the bindings and the lock now hold. */
  genome: Genome;
  bindingsFile: string;
}

export const BINDINGS_DIR = join('.cell', 'bindings');

async function liveGenome(node: TreeNode): Promise<Genome | undefined> {
  for (const socketPath of replicaSocketPaths({ name: node.name, dir: node.dir })) {
    if (!(await probeSocket(socketPath))) continue;
    const genome = await fetchGenome({ socketPath, connectTimeoutMs: 2000, timeoutMs: 2000 });
    if (genome) return genome; // else not answering: try the next replica, then the source
  }
  return undefined;
}

/**
 * The current genome of a producer, looked up in `order`: the running cell, its contract module,
 * the genome its last build recorded.
 */
export async function currentGenome(node: TreeNode, order: GenomeSource[]): Promise<{ genome: Genome; source: GenomeSource } | undefined> {
  for (const source of order) {
    const genome = source === 'live' ? await liveGenome(node) : source === 'source' ? await genomeFromSource(node.config) : source === 'recorded' ? readGenomeFile(node.dir) : undefined;
    if (genome) return { genome, source };
  }
  return undefined;
}

interface Settled {
  genome: Genome;
  source: GenomeSource;
  report: CompatibilityReport | undefined;
  action: DependencyTypes['action'];
}

/** Decides which genome a consumer is built against for one dependency, per `mode`. */
function settle(consumer: string, depName: string, locked: Genome | undefined, found: { genome: Genome; source: GenomeSource } | undefined, mode: LockMode, where: string): Settled {
  if (!found) {
    if (!locked) {
      throw new CellError(
        'CELL_E_BUILD_FAILED',
        mode === 'offline'
          ? `${consumer}: no genome of dependency "${depName}" in cell.lock; run \`cell types\` once with it reachable`
          : `${consumer}: cannot find the genome of dependency "${depName}" (${where}): it is not reachable, has no contract module, and was never built`,
      );
    }
    return { genome: locked, source: 'lock', report: undefined, action: 'unchanged' };
  }
  if (!locked) return { genome: found.genome, source: found.source, report: undefined, action: 'created' };
  if (locked.fingerprint === found.genome.fingerprint) {
    return { genome: found.genome, source: found.source, report: undefined, action: locked.version === found.genome.version ? 'unchanged' : 'updated' };
  }
  const report = compareGenomes(locked, found.genome);
  if (mode === 'build' && report.breaking.length > 0) return { genome: locked, source: 'lock', report, action: 'kept-locked' };
  return { genome: found.genome, source: found.source, report, action: 'updated' };
}

/** Writes a consumer's bindings for its dependencies and records them in its cell.lock. */
type Lookup = (locked: Genome | undefined) => Promise<{ genome: Genome; source: GenomeSource } | undefined>;

function bind(consumer: TreeNode, deps: Array<[string, string, Lookup, string]>, mode: LockMode): Promise<DependencyTypes[]> {
  return (async () => {
    const lock: CellLock = readLock(consumer.dir) ?? { lock: 1, deps: {} };
    mkdirSync(join(consumer.dir, BINDINGS_DIR), { recursive: true });
    const results: DependencyTypes[] = [];
    for (const [depName, producer, lookup, where] of deps) {
      const locked = lock.deps[depName]?.genome;
      const found = mode === 'offline' ? undefined : await lookup(locked);
      const s = settle(consumer.name, depName, locked, found, mode, where);
      lock.deps[depName] = { cell: s.genome.name, version: s.genome.version, fingerprint: s.genome.fingerprint, genome: s.genome };
      const bindingsFile = join(consumer.dir, BINDINGS_DIR, `${depName}.ts`);
      writeFileAtomic(bindingsFile, generateBindings(depName, s.genome)); // unchanged bindings keep their mtime: consumers stay built
      results.push({ consumer: consumer.name, dep: depName, producer, source: s.source, report: s.report, action: s.action, genome: s.genome, bindingsFile });
    }
    writeLock(consumer.dir, lock);
    return results;
  })();
}

/** A process cell is reached at its address (`CELL_DEP_<NAME>_URL`), not called: it has no genome to bind to. */
function hasGenome(producer: TreeNode): boolean {
  return producer.config.process === undefined;
}

/**
 * Generates `.cell/bindings/<dep>.ts` for every path dependency of every cell in `consumers`
 * (default: the whole tree) and keeps each consumer's `cell.lock` per `mode`.
 */
export async function generateDependencyTypes(
  tree: CellTree,
  mode: LockMode,
  consumers: readonly TreeNode[] = tree.nodes,
  order: GenomeSource[] = ['live', 'source', 'recorded'],
): Promise<DependencyTypes[]> {
  const producers = new Map<TreeNode, Promise<{ genome: Genome; source: GenomeSource } | undefined>>();
  const lookup = (node: TreeNode) => () => {
    let p = producers.get(node);
    if (!p) producers.set(node, (p = currentGenome(node, order)));
    return p;
  };
  const results: DependencyTypes[] = [];
  for (const consumer of consumers) {
    const deps = Object.entries(consumer.deps).filter(([, producer]) => hasGenome(producer));
    if (deps.length === 0) continue;
    results.push(...(await bind(consumer, deps.map(([name, producer]) => [name, producer.name, lookup(producer), producer.dir]), mode)));
  }
  return results;
}

/**
 * Moves every consumer of `producer` in the tree onto `genome` (its new source genome): their
 * bindings for it and their cell.lock entries, and nothing else of theirs.
 */
export async function lockConsumersTo(tree: CellTree, producer: TreeNode, genome: Genome): Promise<DependencyTypes[]> {
  const results: DependencyTypes[] = [];
  for (const consumer of tree.nodes) {
    const deps = Object.entries(consumer.deps).filter(([, p]) => p === producer);
    if (deps.length === 0) continue;
    results.push(...(await bind(consumer, deps.map(([name]) => [name, producer.name, () => Promise.resolve({ genome, source: 'source' as const }), producer.dir]), 'accept')));
  }
  return results;
}

/**
 * The same for dependencies on other nodes: `fetch` asks the network for the live genome; when
 * it is not reachable, cell.lock keeps the consumer buildable (offline, like sqlx).
 */
export async function generateRemoteTypes(
  tree: CellTree,
  fetch: ((dep: RemoteDepSpec, locked: Genome | undefined) => Promise<Genome | undefined>) | undefined,
  mode: LockMode = 'build',
): Promise<DependencyTypes[]> {
  const results: DependencyTypes[] = [];
  for (const consumer of tree.nodes) {
    const deps = Object.entries(consumer.config.remoteDeps);
    if (deps.length === 0) continue;
    const entries = deps.map(([name, dep]): [string, string, Lookup, string] => [
      name,
      dep.name,
      async (locked) => {
        const genome = fetch ? await fetch(dep, locked).catch(() => undefined) : undefined;
        return genome ? { genome, source: 'live' } : undefined;
      },
      dep.axon ?? 'the network',
    ]);
    results.push(...(await bind(consumer, entries, fetch ? mode : 'offline')));
  }
  return results;
}

/** One dependency edge as `cell check` sees it. */
export interface CheckedEdge {
  consumer: string;
  dep: string;
  producer: string;
  locked: { version: string; fingerprint: string } | null;
  current: { version: string; fingerprint: string; source: GenomeSource } | null;
  report: CompatibilityReport;
}

const NO_CHANGES: CompatibilityReport = { compatible: [], breaking: [] };

/**
 * `cell check`: for every consumer -> dependency edge of the tree, the changes from what the
 * consumer locked to the producer's new genome (its source first, then its last build, then the
 * running cell). A consumer without a lock entry has nothing to break yet.
 */
export async function checkTree(tree: CellTree): Promise<CheckedEdge[]> {
  const edges: CheckedEdge[] = [];
  const genomes = new Map<TreeNode, Promise<{ genome: Genome; source: GenomeSource } | undefined>>();
  for (const consumer of tree.nodes) {
    const lock = readLock(consumer.dir);
    for (const [depName, producer] of Object.entries(consumer.deps).filter(([, p]) => hasGenome(p))) {
      let p = genomes.get(producer);
      if (!p) genomes.set(producer, (p = currentGenome(producer, ['source', 'recorded', 'live'])));
      const found = await p;
      const locked = lock?.deps[depName];
      edges.push({
        consumer: consumer.name,
        dep: depName,
        producer: producer.name,
        locked: locked ? { version: locked.version, fingerprint: locked.fingerprint } : null,
        current: found ? { version: found.genome.version, fingerprint: found.genome.fingerprint, source: found.source } : null,
        report: locked && found ? compareGenomes(locked.genome, found.genome) : NO_CHANGES,
      });
    }
  }
  return edges;
}

/** The major version of a semver string. */
export function majorOf(version: string): number {
  return Number.parseInt(version.split('.')[0] ?? '0', 10);
}
