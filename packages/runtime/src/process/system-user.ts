import { readFileSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { CellError } from '@cell/protocol';

/** A user of this machine, as a process is started as it. */
export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** Reads `name` from a passwd file (`/etc/passwd`): Node has no getpwnam, and the file is the source of truth for local users. */
export function lookupUser(name: string, passwd = '/etc/passwd'): SystemUser | undefined {
  for (const line of readFileSync(passwd, 'utf8').split('\n')) {
    const [user, , uid, gid, , home] = line.split(':');
    if (user === name && uid !== undefined && gid !== undefined) return { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
  }
  return undefined;
}

/**
 * The user a process cell runs as (`[cell] user`) when the nucleus runs as root: it must exist
 * and be able to reach the cell's directory. A nucleus that is not root cannot switch users and
 * runs the process as itself (undefined: no switch), as it does without `user`.
 */
export function runAsUser(cell: string, name: string | undefined, cellDir: string, passwd?: string): SystemUser | undefined {
  if (name === undefined || process.getuid?.() !== 0) return undefined;
  const user = lookupUser(name, passwd);
  if (!user) throw new CellError('CELL_E_START_FAILED', `cell ${cell}: user "${name}" does not exist on this machine (create it, or remove [cell] user)`, { details: { cell, user: name } });
  const blocked = unreachableDir(user, cellDir);
  if (blocked) {
    throw new CellError(
      'CELL_E_START_FAILED',
      `cell ${cell}: user "${name}" cannot reach ${cellDir}: ${blocked.dir} (mode ${blocked.mode}) does not let it in; move the tree where others may enter, or chmod o+x ${blocked.dir}`,
      { details: { cell, user: name, dir: blocked.dir } },
    );
  }
  return user;
}

/** The first directory on the way to `dir` that `user` may not enter (mode bits only), if any. */
function unreachableDir(user: SystemUser, dir: string): { dir: string; mode: string } | undefined {
  const parts = resolve(dir).split(sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const path = sep + parts.slice(0, i).join(sep);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (!stat) return undefined; // not made yet: the nucleus makes it
    const bit = stat.uid === user.uid ? 0o100 : stat.gid === user.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) return { dir: path, mode: (stat.mode & 0o777).toString(8).padStart(4, '0') };
  }
  return undefined;
}
