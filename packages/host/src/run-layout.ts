import { chmodSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessAlive } from './process-alive.ts';

/** Everything a running cell leaves in its directory: sockets, pid files, pointers (mode 0700). */
export const RUN_DIR = 'run';
/** JSON-lines logs of the cell's replicas and, for a tree's root, of its nucleus. */
export const LOG_DIR = 'log';

/** A cell on this host: its name and directory. */
export interface LocalCell {
  name: string;
  dir: string;
}

/** Where the nucleus supervising a cell can be reached (`run/nucleus.json`). */
export interface NucleusPointer {
  pid: number;
  socket: string;
  root: string;
}

/**
 * Creates a cell's `run/` (or makes sure it is) 0700, whatever the umask: its sockets, pids and
 * pointers are for this user only. Returns its path.
 */
export function privateRunDir(cellDir: string): string {
  const run = join(cellDir, RUN_DIR);
  mkdirSync(run, { recursive: true, mode: 0o700 });
  chmodSync(run, 0o700);
  return run;
}

/** Socket path of replica `index` of a cell. */
export function replicaSocketPath(cell: LocalCell, index: number): string {
  return join(cell.dir, RUN_DIR, `${cell.name}-${index}.sock`);
}

/** The control socket of a tree, in the root cell's `run/`. */
export function nucleusSocketPath(root: string): string {
  return join(root, RUN_DIR, 'nucleus.sock');
}

/** The pointer file every cell of a running tree has to its nucleus. */
export function nucleusPointerPath(dir: string): string {
  return join(dir, RUN_DIR, 'nucleus.json');
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

/** The live nucleus supervising the cell in `dir`, if any. */
export function readNucleusPointer(dir: string): NucleusPointer | undefined {
  let p: Partial<NucleusPointer>;
  try {
    p = JSON.parse(readFileSync(nucleusPointerPath(dir), 'utf8')) as Partial<NucleusPointer>;
  } catch {
    return undefined;
  }
  if (typeof p.pid !== 'number' || typeof p.socket !== 'string' || typeof p.root !== 'string') return undefined;
  return isProcessAlive(p.pid) ? (p as NucleusPointer) : undefined;
}
