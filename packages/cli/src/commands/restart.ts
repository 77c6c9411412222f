import { restartCell } from '@cell/runtime';
import { locateCell } from '../locate-tree.ts';

/**
 * `cell restart <cell>`: replaces each replica of a running cell with a new process of the build
 * it runs (nothing is rebuilt; `cell reload` rebuilds), one at a time: the new process answers on
 * the shared socket before the old one drains, so no call is dropped.
 */
export function restartCommand(cellArg: string | undefined): Promise<{ replaced: number }> {
  return restartCell(locateCell(cellArg));
}
