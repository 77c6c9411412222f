import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { isProcessAlive, RUN_DIR } from '@cell/sdk';

export interface TreeLock {
  release(): void;
}


/** The pid of the nucleus running the tree at `root`, if one is alive. */
export function runningNucleusPid(root: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(root, RUN_DIR, 'nucleus.pid'), 'utf8'));
    return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One nucleus per tree: `run/nucleus.pid` is created exclusively; a file left by a dead nucleus
 * is taken over, a live one is an error naming its pid.
 */
export function acquireTreeLock(root: string): TreeLock {
  const run = join(root, RUN_DIR);
  mkdirSync(run, { recursive: true });
  const path = join(run, 'nucleus.pid');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = runningNucleusPid(root);
      if (pid !== undefined && pid !== process.pid) {
        throw new CellError('CELL_E_TREE_RUNNING', `this tree is already running (nucleus pid ${pid}); use \`cell status ${root}\` or \`cell stop ${root}\``, {
          details: { pid, root },
        });
      }
      rmSync(path, { force: true });
    }
  }
  throw new CellError('CELL_E_TREE_RUNNING', `could not lock ${path}`);
}
