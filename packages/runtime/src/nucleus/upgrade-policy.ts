import { CellError } from '@cell/protocol';
import type { CellTree, TreeNode } from '@cell/config';
import { compareGenomes, formatChange, type Genome, type GenomeChange } from '@cell/contract';
import { readLock } from '@cell/codegen';
import { majorOf } from '../ribosome/dependency-types.ts';

/** A running consumer's lock on one dependency, against the genome the producer would now serve. */
export interface UpgradeEdge {
  consumer: string;
  dep: string;
  producer: string;
  /** The producer's directory (the refusal names the command that moves its consumers along). */
  producerDir: string;
  locked: Genome;
  next: Genome;
}

/** What a producer's new genome means for the consumers that run against its old one. */
export interface UpgradeVerdict {
  /** Consumers the change would break in place: the upgrade must be refused. */
  blocking: Array<{ edge: UpgradeEdge; breaking: GenomeChange[] }>;
  /** Old majors to keep running beside the new one (a breaking change with a major bump). */
  keepMajors: number[];
}

/**
 * The one breaking-change gate (reload and build both ask it): a change that breaks a running
 * consumer's locked genome is refused, unless the producer's major version went up — then the old
 * major keeps running beside the new one for the consumers built against it.
 */
export function judgeUpgrade(edges: readonly UpgradeEdge[]): UpgradeVerdict {
  const verdict: UpgradeVerdict = { blocking: [], keepMajors: [] };
  for (const edge of edges) {
    if (edge.locked.fingerprint === edge.next.fingerprint) continue;
    const breaking = compareGenomes(edge.locked, edge.next).breaking;
    if (breaking.length === 0) continue;
    if (majorOf(edge.next.version) > majorOf(edge.locked.version)) {
      const major = majorOf(edge.locked.version);
      if (!verdict.keepMajors.includes(major)) verdict.keepMajors.push(major);
    } else verdict.blocking.push({ edge, breaking });
  }
  return verdict;
}

/** The edges from running consumers of `producer` to its `next` genome. */
export function upgradeEdges(tree: CellTree, producer: TreeNode, next: Genome, isRunning: (consumer: TreeNode) => boolean): UpgradeEdge[] {
  const edges: UpgradeEdge[] = [];
  for (const consumer of tree.nodes) {
    for (const [dep, node] of Object.entries(consumer.deps)) {
      if (node !== producer || !isRunning(consumer)) continue;
      const locked = readLock(consumer.dir)?.deps[dep];
      if (locked) edges.push({ consumer: consumer.name, dep, producer: producer.name, producerDir: producer.dir, locked: locked.genome, next });
    }
  }
  return edges;
}

/** Throws CELL_E_SCHEMA_MISMATCH naming every consumer the upgrade would break, and how to get out. */
export function refuseBlocked(verdict: UpgradeVerdict, what: string): void {
  if (verdict.blocking.length === 0) return;
  const lines = verdict.blocking.map(
    ({ edge, breaking }) => `  ${edge.consumer} (built against ${edge.producer}@${edge.locked.version}) -> ${edge.producer} ${edge.next.version}:\n${breaking.map((c) => `    ${formatChange(c)}`).join('\n')}`,
  );
  const producerDir = verdict.blocking[0]!.edge.producerDir;
  const command = `cell reload ${producerDir} --with-consumers`;
  throw new CellError(
    'CELL_E_SCHEMA_MISMATCH',
    `refused to ${what}: it breaks running consumers locked to the old genome:\n${lines.join('\n')}\n` +
      "either bump the producer's major version to run both side by side, or move its consumers along with it: " +
      `change their code for the new genome, then \`${command}\` (their bindings regenerated from the producer's source, each built and type-checked — nothing is reloaded if one does not compile — then the producer reloaded, then them)`,
    {
      details: {
        command,
        blocking: verdict.blocking.map(({ edge, breaking }) => ({ consumer: edge.consumer, dep: edge.dep, producer: edge.producer, from: edge.locked.version, to: edge.next.version, breaking: breaking.map(formatChange) })),
      },
    },
  );
}
