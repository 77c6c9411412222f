import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';

/** A cell on this host: its name and directory. */
export interface LocalCell {
  name: string;
  dir: string;
}

/**
 * A dependency as a cell's process receives it (`CELL_DEPS`): local (with `dir`), at a static
 * node address (`axon`), or by name only (found on the network), optionally pinned to a major.
 */
export interface DependencyRef {
  name: string;
  dir?: string | undefined;
  /** `axon://[peer-id@]host:port` of a node that serves it. */
  axon?: string | undefined;
  major?: number | undefined;
}

/** What a built cell needs to be started without a nucleus (`.cell/launch.json`, written by the ribosome). */
export interface LaunchSpec {
  name: string;
  /** Built entry, relative to the cell directory. */
  main: string;
  idleTimeoutMs: number | null;
  graceMs: number;
  deps: Record<string, DependencyRef>;
}

/** Where the nucleus supervising a cell can be reached (`run/nucleus.json`). */
export interface NucleusPointer {
  pid: number;
  socket: string;
  root: string;
}

export const RUN_DIR = 'run';
export const LOG_DIR = 'log';

/** Socket path of replica `index` of a cell. */
export function replicaSocketPath(cell: LocalCell, index: number): string {
  return join(cell.dir, RUN_DIR, `${cell.name}-${index}.sock`);
}

/**
 * Socket files of the cell's replicas that exist right now. With `major`, the replicas of that
 * older major version (`<name>-v<major>-<i>.sock`, kept beside a newer one) win when they exist.
 */
export function replicaSocketPaths(cell: LocalCell, major?: number): string[] {
  const run = join(cell.dir, RUN_DIR);
  let names: string[];
  try {
    names = readdirSync(run);
  } catch {
    return [];
  }
  const escaped = cell.name.replace(/[-]/g, '\\-');
  if (major !== undefined) {
    const old = new RegExp(`^${escaped}-v${major}-(\\d+)\\.sock$`);
    const matches = names.filter((n) => old.test(n));
    if (matches.length > 0) return matches.map((n) => join(run, n));
  }
  const pattern = new RegExp(`^${escaped}-(\\d+)\\.sock$`);
  return names.filter((n) => pattern.test(n)).map((n) => join(run, n));
}

/** True when a process with this pid exists and has not died (a zombie awaiting its reaper counts as dead). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): kill(0) said it exists
  }
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The live nucleus supervising the cell in `dir`, if any. */
export function readNucleusPointer(dir: string): NucleusPointer | undefined {
  const p = readJson<NucleusPointer>(join(dir, RUN_DIR, 'nucleus.json'));
  return p && typeof p.pid === 'number' && isProcessAlive(p.pid) ? p : undefined;
}

/** The launch spec of a built cell, if it was built. */
export function readLaunchSpec(dir: string): LaunchSpec | undefined {
  return readJson<LaunchSpec>(join(dir, '.cell', 'launch.json'));
}

/**
 * Finds a local cell by dependency name (from `CELL_DEPS`, set by the runtime) or by directory.
 * `name` is the cell name to expect when a directory is given.
 */
export function resolveLocalCell(target: string, name: string | undefined): DependencyRef {
  const deps = parseDeps();
  const dep = deps[target];
  if (dep) return dep;
  if (target.includes('/') || target.startsWith('.') || isAbsolute(target)) {
    const dir = resolve(target);
    const spec = readLaunchSpec(dir);
    const cellName = name ?? spec?.name;
    if (!cellName) throw new CellError('CELL_E_INVALID_ARGUMENT', `cannot tell the name of the cell in ${dir}; build it first (cell build)`);
    return { name: cellName, dir };
  }
  throw new CellError('CELL_E_INVALID_ARGUMENT', `no dependency named "${target}" (known: ${Object.keys(deps).join(', ') || 'none'}); pass a cell directory instead`, {
    details: { target },
  });
}

function parseDeps(): Record<string, DependencyRef> {
  const raw = process.env['CELL_DEPS'];
  if (!raw) return {};
  try {
    return JSON.parse(raw) as Record<string, DependencyRef>;
  } catch {
    return {};
  }
}

/** True when something accepts connections at `path` (a quick liveness probe). */
export function probeSocket(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

const STALE_LOCK_MS = 60_000;

/** Takes `run/spawn.lock` (O_EXCL); returns false when another live process holds it. */
function tryLock(path: string): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(path, 'utf8'));
      const age = Date.now() - statSync(path).mtimeMs;
      if (Number.isInteger(holder) && holder > 0 && isProcessAlive(holder) && age < STALE_LOCK_MS) return false;
      try {
        unlinkSync(path); // the holder died: take over
      } catch {
        // someone else took it over first
      }
    }
  }
  return false;
}

/** An environment for a child cell: ours minus anything that describes this process. */
function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('CELL_') && k !== 'CELL_LOG_LEVEL' && k !== 'CELL_HOME') continue;
    if (k === 'NODE_UNIQUE_ID' || k === 'NODE_CHANNEL_FD' || k === 'NODE_CHANNEL_SERIALIZATION_MODE') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

async function waitForSocket(paths: () => string[], deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    for (const p of paths()) if (await probeSocket(p)) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

/**
 * Starts a local cell that is not running, and resolves once it accepts connections. Through its
 * nucleus when a tree supervises it; otherwise as a standalone process (detached, logging to
 * `log/`), guarded by `run/spawn.lock` so concurrent callers never start two.
 */
export async function startLocalCell(cell: LocalCell, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const nucleus = readNucleusPointer(cell.dir);
  if (nucleus) {
    const { connect } = await import('./synapse.ts');
    const { nucleusContract } = await import('./nucleus-contract.ts');
    const control = connect(nucleusContract, { socketPath: nucleus.socket, timeoutMs });
    try {
      const r = await control.start.try({ cell: cell.dir });
      if (!r.ok) {
        throw new CellError('CELL_E_UNAVAILABLE', `the nucleus could not start ${cell.name}: ${r.error.message}`, { cause: r.error });
      }
    } finally {
      await control.$close();
    }
    return;
  }
  const spec = readLaunchSpec(cell.dir);
  const main = spec ? join(cell.dir, spec.main) : undefined;
  if (!spec || !main || !existsSync(main)) {
    throw new CellError('CELL_E_UNAVAILABLE', `cell ${cell.name} is not running and not built; run \`cell build ${cell.dir}\` or start its tree`, {
      details: { dir: cell.dir },
    });
  }
  mkdirSync(join(cell.dir, RUN_DIR), { recursive: true });
  mkdirSync(join(cell.dir, LOG_DIR), { recursive: true });
  const lock = join(cell.dir, RUN_DIR, 'spawn.lock');
  if (!tryLock(lock)) {
    // Another caller is starting it: wait for the socket instead of starting a second one.
    if (await waitForSocket(() => replicaSocketPaths(cell), deadline)) return;
    throw new CellError('CELL_E_UNAVAILABLE', `cell ${cell.name} did not start within ${timeoutMs} ms`);
  }
  try {
    if (replicaSocketPaths(cell).length > 0 && (await waitForSocket(() => replicaSocketPaths(cell), Date.now() + 50))) return;
    const replica = `${spec.name}-0`;
    const log = openSync(join(cell.dir, LOG_DIR, `${replica}.log`), 'a');
    const child = spawn(process.execPath, [main], {
      cwd: cell.dir,
      detached: true,
      stdio: ['ignore', log, log],
      env: childEnv({
        CELL_NAME: spec.name,
        CELL_REPLICA: replica,
        CELL_SOCKET: replicaSocketPath(cell, 0),
        CELL_GRACE_MS: String(spec.graceMs),
        CELL_DEPS: JSON.stringify(spec.deps),
        ...(spec.idleTimeoutMs ? { CELL_IDLE_TIMEOUT_MS: String(spec.idleTimeoutMs) } : {}),
      }),
    });
    closeSync(log);
    child.unref();
    // `cell stop <dir>` finds standalone processes through their pid files.
    if (child.pid) writeFileSync(join(cell.dir, RUN_DIR, `${replica}.pid`), String(child.pid));
    let exited: number | null | undefined;
    child.once('exit', (code) => (exited = code));
    const paths = () => [replicaSocketPath(cell, 0)];
    while (Date.now() < deadline && exited === undefined) {
      if (await probeSocket(paths()[0]!)) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new CellError(
      'CELL_E_UNAVAILABLE',
      exited !== undefined ? `cell ${cell.name} exited (code ${exited}) while starting; see ${join(cell.dir, LOG_DIR, `${replica}.log`)}` : `cell ${cell.name} did not start within ${timeoutMs} ms`,
    );
  } finally {
    try {
      unlinkSync(lock);
    } catch {
      // already released
    }
  }
}
