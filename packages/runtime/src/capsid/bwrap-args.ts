import { lstatSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/** What a capsid sees and runs: everything else of the host is absent from it. */
export interface SandboxLayout {
  /** Host uid and gid the sandboxed processes have (they see the same ids inside). */
  uid: number;
  gid: number;
  /** Host paths bound read-only: `[hostPath, sandboxPath]`. */
  readOnly: ReadonlyArray<readonly [string, string]>;
  /** Host directories bound writable: `[hostPath, sandboxPath]`. */
  writable: ReadonlyArray<readonly [string, string]>;
  /** Size of the private `/tmp` (a tmpfs; its pages count against the memory limit too). */
  tmpBytes: number;
  /** The whole environment of the sandboxed command (nothing of the host's is inherited). */
  env: Readonly<Record<string, string>>;
  /** Working directory inside. */
  cwd: string;
  /** argv of the command, with sandbox paths. */
  command: readonly string[];
  /**
   * Stay in the network namespace bubblewrap starts in (a capsid network the wrapper joined,
   * shared with the other cells of a placement) instead of a new one of its own.
   */
  shareNet?: boolean | undefined;
}

/** One entry of the host's read-only system: a directory bound as is, or a symlink recreated. */
export type SystemEntry = { kind: 'dir'; path: string } | { kind: 'symlink'; path: string; target: string };

/**
 * Top-level directories a dynamically linked program (Node, npm, sh) needs from the host: `/usr`
 * and the library and binary directories, which merged-/usr systems (Debian 12) make symlinks
 * into it. Nothing of `/etc`, `/home`, `/root`, `/var`, `/run`, `/srv` or `/opt` is visible.
 */
const SYSTEM_PATHS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The host's system directories, as they are here (symlink or directory); missing ones left out. */
export function systemEntries(root = '/'): SystemEntry[] {
  const entries: SystemEntry[] = [];
  for (const path of SYSTEM_PATHS) {
    const host = join(root, path);
    let stat;
    try {
      stat = lstatSync(host);
    } catch {
      continue; // not on this system
    }
    if (stat.isSymbolicLink()) entries.push({ kind: 'symlink', path, target: readlinkSync(host) });
    else if (stat.isDirectory()) entries.push({ kind: 'dir', path });
  }
  return entries;
}

/**
 * bubblewrap's arguments for a capsid: every namespace unshared (user, mount, pid, network, ipc,
 * uts, cgroup: the network namespace holds only a loopback of its own), no nested user
 * namespaces, no capabilities, a new session (no terminal injection), killed with its parent;
 * a read-only root with the host's system directories, a fresh `/proc` and a minimal `/dev`, a
 * private `/tmp`, and the given binds. The root is remounted read-only last, so only the writable
 * binds and `/tmp` can be written.
 */
export function bwrapArgs(layout: SandboxLayout, system: readonly SystemEntry[]): string[] {
  const args = ['--unshare-all', ...(layout.shareNet ? ['--share-net'] : []), '--unshare-user', '--disable-userns', '--die-with-parent', '--new-session'];
  args.push('--uid', String(layout.uid), '--gid', String(layout.gid), '--hostname', 'capsid');
  args.push('--clearenv');
  for (const [name, value] of Object.entries(layout.env)) args.push('--setenv', name, value);
  for (const entry of system) {
    if (entry.kind === 'dir') args.push('--ro-bind', entry.path, entry.path);
    else args.push('--symlink', entry.target, entry.path);
  }
  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--size', String(layout.tmpBytes), '--tmpfs', '/tmp');
  for (const [host, inside] of layout.readOnly) args.push('--ro-bind', host, inside);
  for (const [host, inside] of layout.writable) args.push('--bind', host, inside);
  args.push('--remount-ro', '/');
  args.push('--chdir', layout.cwd);
  args.push('--', ...layout.command);
  return args;
}
