import { currentVersions, scaffoldCell } from 'create-cell';
import { CellError } from '@cell/protocol';

/**
 * `cell init <dir>`: a cell that runs at once (`cell mitosis <dir>`), with a test. Inside a project
 * only the cell is written (with hints for what the project lacks); outside one, the cell gets its
 * own package.json and tsconfig.json. The files are the ones `npm create cell` writes.
 */
export function initCommand(target: string): { dir: string; files: string[]; hints: string[] } {
  const r = scaffoldCell(target, currentVersions());
  if (!r.ok) throw new CellError('CELL_E_INVALID_ARGUMENT', `cell init: ${r.reason}; nothing was written`);
  return { dir: r.dir, files: r.files, hints: r.hints };
}
