import type { TreeStatus } from '@cell/sdk';
import { cellDir, nucleusFor } from '../locate-tree.ts';
import { formatMs, renderTree } from '../output/tree-view.ts';

/** `cell status [dir]`: the running tree, per replica (pid, state, restarts, uptime, RSS, socket). */
export async function statusCommand(dirArg: string | undefined): Promise<TreeStatus> {
  const { control } = nucleusFor(cellDir(dirArg));
  try {
    const r = await control.status.try({});
    if (!r.ok) throw r.error;
    return r.value;
  } finally {
    await control.$close();
  }
}

/** The human form of `cell status`. */
export function formatStatus(status: TreeStatus): string {
  const head = `tree ${status.root} · nucleus pid ${status.nucleus.pid} · up ${formatMs(status.nucleus.uptimeMs)}`;
  return [head, '', ...renderTree(status, { replicas: true })].join('\n');
}
