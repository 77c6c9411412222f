import { type BuildResult, buildTreeChecked, type TreeBuild } from '@cell/runtime';

/**
 * `cell build [dir]`: every cell's genome, its consumers' bindings and cell.lock, then every
 * bundle (incremental unless forced). While the tree runs, the runtime refuses a change that
 * breaks a running consumer's locked genome before anything is written.
 */
export function buildCommand(dir: string, options: { force?: boolean }, progress: (r: BuildResult) => void): Promise<TreeBuild> {
  return buildTreeChecked(dir, { force: options.force ?? false, onBuild: progress });
}
