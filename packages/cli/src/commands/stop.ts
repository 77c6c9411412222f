import { stopCell } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/**
 * `cell stop [dir]`: stops the tree that runs `dir` (gracefully, through its nucleus), or the
 * standalone processes of a cell started on demand outside any tree.
 */
export async function stopCommand(dirArg: string | undefined, timeoutMs = 60_000): Promise<string> {
  const r = await stopCell(cellDir(dirArg), timeoutMs);
  if ('tree' in r) return `tree ${r.tree} stopped`;
  return `stopped ${r.standalone.length} standalone process${r.standalone.length > 1 ? 'es' : ''} (${r.standalone.join(', ')})`;
}
