import { readFileSync } from 'node:fs';
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
 * The user a process cell runs as (`[cell] user`): it must exist, and switching to another user
 * needs the nucleus to run as root. Undefined when no user is asked for.
 */
export function runAsUser(cell: string, name: string | undefined, passwd?: string): SystemUser | undefined {
  if (name === undefined) return undefined;
  const user = lookupUser(name, passwd);
  if (!user) throw new CellError('CELL_E_START_FAILED', `cell ${cell}: user "${name}" does not exist on this machine (create it, or remove [cell] user)`, { details: { cell, user: name } });
  const self = process.getuid?.();
  if (self !== 0 && self !== user.uid) {
    throw new CellError('CELL_E_START_FAILED', `cell ${cell}: running as user "${name}" needs the nucleus to run as root (it runs as uid ${self})`, { details: { cell, user: name } });
  }
  return user;
}
