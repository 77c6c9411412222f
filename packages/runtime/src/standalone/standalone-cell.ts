import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { LAUNCH_ENV_KEYS, launchEnv, LOG_DIR, type LocalCell, replicaSocketPath, replicaSocketPaths, RUN_DIR, privateRunDir } from '@cell/host';
import { probeSocket } from '@cell/wire';
import { writeFileAtomic } from '../files/write-atomic.ts';
import { isPidLock, isRecordedProcessAlive, pidRecord, readPidFile, tryPidLock } from '../files/pid-lock.ts';
import { readLaunchSpec } from './launch-spec.ts';

/** An environment for a child cell: ours minus anything that describes this process. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (LAUNCH_ENV_KEYS.includes(k) && k !== 'CELL_LOG_LEVEL') continue;
    if (k === 'NODE_UNIQUE_ID' || k === 'NODE_CHANNEL_FD' || k === 'NODE_CHANNEL_SERIALIZATION_MODE') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function waitForSocket(paths: () => string[], deadline: number, gone: () => boolean): Promise<boolean> {
  while (Date.now() < deadline && !gone()) {
    for (const p of paths()) if (await probeSocket(p)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * Starts a built cell that no tree runs, as one process of its own (detached, logging to
 * `log/`), and resolves once it accepts connections — what `cell call` does for a cell outside
 * any running tree. `run/spawn.lock` makes racing callers start it once.
 */
export async function startStandaloneCell(cell: LocalCell, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const spec = readLaunchSpec(cell.dir);
  const main = spec ? join(cell.dir, spec.main) : undefined;
  if (!spec || !main || !existsSync(main)) {
    throw new CellError('CELL_E_UNAVAILABLE', `cell ${cell.name} is not running and not built; run \`cell build ${cell.dir}\` or start its tree`, { details: { dir: cell.dir } });
  }
  privateRunDir(cell.dir);
  mkdirSync(join(cell.dir, LOG_DIR), { recursive: true });
  const lock = tryPidLock(join(cell.dir, RUN_DIR, 'spawn.lock'));
  if (!isPidLock(lock)) {
    // Another caller is starting it: wait for the socket instead of starting a second one.
    if (await waitForSocket(() => replicaSocketPaths(cell), deadline, () => false)) return;
    throw new CellError('CELL_E_TIMEOUT', `cell ${cell.name} did not start within ${timeoutMs} ms`);
  }
  try {
    if (replicaSocketPaths(cell).length > 0 && (await waitForSocket(() => replicaSocketPaths(cell), Date.now() + 50, () => false))) return;
    const replica = `${spec.name}-0`;
    const logFile = join(cell.dir, LOG_DIR, `${replica}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, [main], {
      cwd: cell.dir,
      detached: true,
      stdio: ['ignore', log, log],
      env: childEnv(launchEnv({ name: spec.name, replica, socket: replicaSocketPath(cell, 0), graceMs: spec.graceMs, deps: spec.deps, idleTimeoutMs: spec.idleTimeoutMs ?? undefined, memoryTrimMs: spec.memoryTrimMs ?? undefined })),
    });
    closeSync(log);
    child.unref();
    // `cell stop <dir>` finds standalone processes through their pid files (pid and start time).
    if (child.pid) writeFileAtomic(join(cell.dir, RUN_DIR, `${replica}.pid`), JSON.stringify(pidRecord(child.pid)));
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    if (await waitForSocket(() => [replicaSocketPath(cell, 0)], deadline, () => exited !== undefined)) return;
    throw new CellError(
      exited !== undefined ? 'CELL_E_UNAVAILABLE' : 'CELL_E_TIMEOUT',
      exited !== undefined ? `cell ${cell.name} exited (code ${exited}) while starting; see ${logFile}` : `cell ${cell.name} did not start within ${timeoutMs} ms`,
    );
  } finally {
    lock.release();
  }
}

/**
 * Stops the standalone processes of a cell (SIGTERM, then SIGKILL after `timeoutMs`); returns
 * their pids. A pid file whose process is gone — or whose pid now names another process — is only
 * removed: nothing else is ever signalled.
 */
export async function stopStandaloneCell(dir: string, timeoutMs: number): Promise<number[]> {
  const stopped: number[] = [];
  let files: string[];
  try {
    files = readdirSync(join(dir, RUN_DIR)).filter((f) => f.endsWith('.pid') && f !== 'nucleus.pid');
  } catch {
    return stopped; // no run/ directory: nothing ran here
  }
  for (const f of files) {
    const record = readPidFile(join(dir, RUN_DIR, f));
    if (record && record.startTime !== undefined && isRecordedProcessAlive(record)) {
      process.kill(record.pid, 'SIGTERM');
      const deadline = Date.now() + timeoutMs;
      while (isRecordedProcessAlive(record) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if (isRecordedProcessAlive(record)) process.kill(record.pid, 'SIGKILL');
      stopped.push(record.pid);
    }
    rmSync(join(dir, RUN_DIR, f), { force: true });
  }
  return stopped;
}
