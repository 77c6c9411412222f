import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { isProcessAlive, readNucleusPointer, RUN_DIR } from '@cell/sdk';
import { runningNucleusPid } from '@cell/runtime';
import { cellDir, nucleusFor } from '../locate-tree.ts';


async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isProcessAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return !isProcessAlive(pid);
}

/**
 * `cell stop [dir]`: stops the tree that runs `dir` (gracefully, through its nucleus), or the
 * standalone processes of a cell started on demand outside any tree.
 */
export async function stopCommand(dirArg: string | undefined, timeoutMs = 60_000): Promise<string> {
  const dir = cellDir(dirArg);
  if (readNucleusPointer(dir) || runningNucleusPid(dir) !== undefined) {
    const { root, control } = nucleusFor(dir);
    const pid = runningNucleusPid(root);
    try {
      await control.stop({});
    } finally {
      await control.$close();
    }
    if (pid !== undefined && !(await waitGone(pid, timeoutMs))) {
      process.kill(pid, 'SIGKILL');
      return `tree ${root} did not stop within ${timeoutMs} ms; killed nucleus ${pid}`;
    }
    return `tree ${root} stopped`;
  }
  // Standalone cells (started on demand, no nucleus) leave run/<replica>.pid.
  const stopped: number[] = [];
  let files: string[] = [];
  try {
    files = readdirSync(join(dir, RUN_DIR)).filter((f) => f.endsWith('.pid') && f !== 'nucleus.pid');
  } catch {
    // no run/ directory: nothing ran here
  }
  for (const f of files) {
    const pid = Number(readFileSync(join(dir, RUN_DIR, f), 'utf8'));
    if (Number.isInteger(pid) && pid > 0 && isProcessAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, timeoutMs))) process.kill(pid, 'SIGKILL');
      stopped.push(pid);
    }
    rmSync(join(dir, RUN_DIR, f), { force: true });
  }
  if (stopped.length === 0) throw new CellError('CELL_E_TREE_NOT_RUNNING', `nothing is running in ${dir}`);
  return `stopped ${stopped.length} standalone process${stopped.length > 1 ? 'es' : ''} (${stopped.join(', ')})`;
}
