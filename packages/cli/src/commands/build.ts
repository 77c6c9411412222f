import { CellError } from '@cell/protocol';
import { loadCellTree } from '@cell/config';
import { readNucleusPointer, formatChange } from '@cell/sdk';
import { buildTree, type BuildResult, checkTree, majorOf, type TreeBuild } from '@cell/runtime';
import { statusCommand } from './status.ts';

/**
 * `cell build [dir]`: every cell's genome, its consumers' bindings and cell.lock, then every
 * bundle (incremental unless forced). While the tree runs, a producer change that breaks a
 * running consumer's locked genome (without a major version bump) is refused before anything is
 * written.
 */
export async function buildCommand(dir: string, options: { force?: boolean }, progress: (r: BuildResult) => void): Promise<TreeBuild> {
  const tree = loadCellTree(dir);
  if (readNucleusPointer(tree.root.dir)) {
    const running = new Set((await statusCommand(tree.root.dir)).cells.filter((c) => c.state === 'ready' || c.state === 'degraded').map((c) => c.name));
    const blocking = (await checkTree(tree)).filter(
      (e) => running.has(e.consumer) && e.report.breaking.length > 0 && e.current && e.locked && majorOf(e.current.version) === majorOf(e.locked.version),
    );
    if (blocking.length > 0) {
      throw new CellError(
        'CELL_E_SCHEMA_MISMATCH',
        `refused to build: running consumers are locked to genomes these changes break:\n${blocking
          .map((e) => `  ${e.producer} ${e.locked!.version} -> ${e.current!.version}, used by ${e.consumer}:\n${e.report.breaking.map((c) => `    ${formatChange(c)}`).join('\n')}`)
          .join('\n')}\nbump the producer's major version, or update the consumers first (cell types, then fix what no longer compiles)`,
        { details: { blocking } },
      );
    }
  }
  return buildTree(tree, { force: options.force ?? false, onBuild: progress });
}
