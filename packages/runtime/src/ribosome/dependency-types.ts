import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellTree, TreeNode } from '@cell/config';
import { generateBindings, readLock, writeLock, type CellLock } from '@cell/codegen';
import { compareGenomes, connectDynamic, type CompatibilityReport, type Genome, probeSocket, replicaSocketPaths } from '@cell/sdk';
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
    const synapse = connectDynamic({ socketPath, connectTimeoutMs: 2000, timeoutMs: 2000 });
    try {
      return await synapse.$genome();
    } catch {
      // not answering: try the next replica, then the source
    } finally {
      await synapse.$close();
    }
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

/**
 * Generates `.cell/bindings/<dep>.ts` for every dependency of every cell in `consumers` (default:
 * the whole tree) and keeps each consumer's `cell.lock` per `mode`.
 */
export async function generateDependencyTypes(tree: CellTree, mode: LockMode, consumers: readonly TreeNode[] = tree.nodes): Promise<DependencyTypes[]> {
  const producers = new Map<TreeNode, Promise<{ genome: Genome; source: GenomeSource } | undefined>>();
  const lookup = (node: TreeNode) => {
    let p = producers.get(node);
    if (!p) producers.set(node, (p = mode === 'offline' ? Promise.resolve(undefined) : currentGenome(node, ['live', 'source', 'recorded'])));
    return p;
  };
  const results: DependencyTypes[] = [];
  for (const consumer of consumers) {
    const deps = Object.entries(consumer.deps);
    if (deps.length === 0) continue;
    const lock: CellLock = readLock(consumer.dir) ?? { lock: 1, deps: {} };
    mkdirSync(join(consumer.dir, BINDINGS_DIR), { recursive: true });
    for (const [depName, producer] of deps) {
      const locked = lock.deps[depName]?.genome;
      const found = await lookup(producer);
      let chosen: Genome;
      let source: GenomeSource;
      let report: CompatibilityReport | undefined;
      let action: DependencyTypes['action'];
      if (!found) {
        if (!locked) {
          throw new CellError(
            'CELL_E_BUILD_FAILED',
            mode === 'offline'
              ? `${consumer.name}: no genome of dependency "${depName}" in cell.lock; run \`cell types ${consumer.dir}\` once with ${producer.name} available`
              : `${consumer.name}: cannot find the genome of dependency "${depName}" (${producer.dir}): it is not running, has no contract module, and was never built`,
          );
        }
        chosen = locked;
        source = 'lock';
        action = 'unchanged';
      } else if (!locked) {
        chosen = found.genome;
        source = found.source;
        action = 'created';
      } else if (locked.fingerprint === found.genome.fingerprint) {
        chosen = found.genome;
        source = found.source;
        action = locked.version === found.genome.version ? 'unchanged' : 'updated';
      } else {
        report = compareGenomes(locked, found.genome);
        if (mode === 'build' && report.breaking.length > 0) {
          chosen = locked;
          source = 'lock';
          action = 'kept-locked';
        } else {
          chosen = found.genome;
          source = found.source;
          action = 'updated';
        }
      }
      lock.deps[depName] = { cell: chosen.name, version: chosen.version, fingerprint: chosen.fingerprint, genome: chosen };
      const bindingsFile = join(consumer.dir, BINDINGS_DIR, `${depName}.ts`);
      writeFileSync(bindingsFile, generateBindings(depName, chosen));
      results.push({ consumer: consumer.name, dep: depName, producer: producer.name, source, report, action, genome: chosen, bindingsFile });
    }
    writeLock(consumer.dir, lock);
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
    for (const [depName, producer] of Object.entries(consumer.deps)) {
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
