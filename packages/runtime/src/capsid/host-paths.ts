import { accessSync, constants, lchownSync, lstatSync, mkdirSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { CellError } from '@cell/protocol';

/** The first directory on the way to `path` that `uid`/`gid` may not pass through, or undefined. */
export function unreachableAncestor(path: string, uid: number, gid: number): string | undefined {
  let dir = dirname(realpathSync(path));
  const chain: string[] = [];
  for (;;) {
    chain.unshift(dir);
    if (dir === dirname(dir)) break;
    dir = dirname(dir);
  }
  for (const d of chain) {
    const s = statSync(d);
    const bit = s.uid === uid ? 0o100 : s.gid === gid ? 0o010 : 0o001;
    if ((s.mode & bit) === 0) return d;
  }
  return undefined;
}

/**
 * Checks that the sandbox uid can reach `path` (bubblewrap, running as that uid, resolves every
 * bind source itself). A donor keeps capsid directories under a root it makes `0711`; a path
 * under a `0700` home fails here with the directory in the way, not later with a mount error.
 */
export function assertReachable(path: string, uid: number, gid: number, what: string): void {
  const blocked = unreachableAncestor(path, uid, gid);
  if (blocked !== undefined) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `the capsid's ${what} ${path} is not reachable by uid ${uid}: ${blocked} does not let it through`, {
      details: { path, blocked, uid },
    });
  }
}

/**
 * A directory the sandbox uid owns, mode 0700: made if missing. A symlink where the directory
 * should be is refused (a cell must never be handed a host path of its own choosing).
 */
export function ownedDir(dir: string, uid: number, gid: number): void {
  mkdirSync(dirname(dir), { recursive: true }); // parents as the umask says: the sandbox uid must pass through them
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const s = lstatSync(dir);
  if (!s.isDirectory()) throw new CellError('CELL_E_INVALID_ARGUMENT', `${dir} is not a directory`, { details: { path: dir } });
  if (s.uid !== uid || s.gid !== gid) lchownSync(dir, uid, gid);
}

/**
 * Hands a whole tree to the sandbox uid (a build directory unpacked by the donor). Symlinks are
 * changed themselves, never followed, so a bundle cannot make this touch anything outside it.
 */
export function chownTree(dir: string, uid: number, gid: number): void {
  lchownSync(dir, uid, gid);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chownTree(path, uid, gid);
    else lchownSync(path, uid, gid);
  }
}

/** The absolute path of an executable named `name` on `PATH`, or undefined. */
export function findExecutable(name: string, path = process.env['PATH'] ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
