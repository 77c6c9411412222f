import { reloadCell } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/** `cell reload <cell-dir>`: rebuilds the cell and replaces its replicas one by one, dropping no call. */
export function reloadCommand(dirArg: string | undefined): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
  return reloadCell(cellDir(dirArg));
}
