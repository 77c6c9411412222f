import { type BuildResult, buildTreeChecked, type TreeBuild, type TypecheckReport } from '@cell/runtime';

/** What `--no-typecheck` says on every use. */
export const NO_TYPECHECK_WARNING = '--no-typecheck: cells are built without type-checking, so code that does not compile can start; use it only in an emergency';

/**
 * `cell build [dir]`: every cell's genome, its consumers' bindings and cell.lock, then every
 * bundle (incremental unless forced), each cell type-checked unless `typecheck` is false. While
 * the tree runs, the runtime refuses a change that breaks a running consumer's locked genome
 * before anything is written.
 */
export function buildCommand(dir: string, options: { force?: boolean; typecheck?: boolean }, progress: (r: BuildResult) => void): Promise<TreeBuild> {
  return buildTreeChecked(dir, { force: options.force ?? false, typecheck: options.typecheck !== false, onBuild: progress });
}

/** One line on the type-check of a build: how many cells were checked, and with what. */
export function formatTypecheck(r: TypecheckReport): string {
  const count = (status: string) => r.cells.filter((c) => c.status === status).length;
  const parts = [`${count('checked')} checked`, `${count('up-to-date')} up to date`];
  if (count('skipped') > 0) parts.push(`${count('skipped')} without TypeScript to check`);
  return `type-check: ${parts.join(', ')} (TypeScript ${r.compiler || 'not needed'}, ${Math.round(r.durationMs)} ms)`;
}
