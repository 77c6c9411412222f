import { CellError } from '@cell/protocol';
import { treeStatus } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/**
 * `cell dashboard [dir]`: the URL of the running tree's web dashboard (with its token when it is
 * served beyond loopback). Every tree serves one unless its root says `[observe] dashboard = "off"`.
 */
export async function dashboardCommand(dirArg: string | undefined): Promise<string> {
  const status = await treeStatus(cellDir(dirArg));
  if (!status.dashboard) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `the tree ${status.root} serves no dashboard: its root cell.toml says [observe] dashboard = "off", or it was started with CELL_DASHBOARD=off`);
  }
  return status.dashboard.url;
}
