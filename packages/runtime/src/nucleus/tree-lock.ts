import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { RUN_DIR, privateRunDir } from '@cell/host';
import { isPidLock, isRecordedProcessAlive, type PidLock, readPidFile, tryPidLock } from '../files/pid-lock.ts';

/** The pid file of a tree's nucleus. */
export function nucleusPidPath(root: string): string {
  return join(root, RUN_DIR, 'nucleus.pid');
}

/** The pid of the nucleus running the tree at `root`, if one is alive (and is the process that wrote the file). */
export function runningNucleusPid(root: string): number | undefined {
  const record = readPidFile(nucleusPidPath(root));
  return record && isRecordedProcessAlive(record) ? record.pid : undefined;
}

/** One nucleus per tree: `run/nucleus.pid`, taken over from a dead nucleus, refused while a live one holds it. */
export function acquireTreeLock(root: string): PidLock {
  privateRunDir(root);
  const lock = tryPidLock(nucleusPidPath(root));
  if (isPidLock(lock)) return lock;
  throw new CellError('CELL_E_TREE_RUNNING', `this tree is already running (nucleus pid ${lock.pid}); use \`cell status ${root}\` or \`cell stop ${root}\``, {
    details: { pid: lock.pid, root },
  });
}
