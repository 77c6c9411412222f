import { type ChildProcess, spawn, type StdioOptions } from 'node:child_process';

/** Exit status of the wrapper when it could not join a cgroup (nothing of the cell ran). */
export const JOIN_CGROUP_FAILED = 125;

/**
 * Joins the cgroups, then becomes the command. It runs as a shell so the join happens in the very
 * process that becomes bubblewrap: every process of the capsid is born inside its limits, with
 * no window in which a fork escapes them (a nucleus moving the pid in after spawn would race it).
 */
const JOIN_THEN_EXEC = `set -f; IFS=:; for f in $CELL_CAPSID_PROCS; do echo $$ > "$f" || exit ${JOIN_CGROUP_FAILED}; done; unset CELL_CAPSID_PROCS; exec "$@"`;

/** How to start a sandboxed command. */
export interface SandboxSpawn {
  /** bubblewrap's executable. */
  bwrap: string;
  /** Its arguments (`bwrapArgs`). */
  args: readonly string[];
  /** `cgroup.procs` files the capsid joins before anything of it runs. */
  cgroupProcs: readonly string[];
  /**
   * When this process is root: the host uid and gid to become before bubblewrap runs (with
   * `setpriv`), so the capsid is an unprivileged user of the host, not root in a user namespace.
   */
  dropTo: { uid: number; gid: number } | undefined;
  /** A network namespace to join first (`nsenter --net=`, as root): a capsid network's `path`. */
  netns?: string | undefined;
  /** stdio of the child: index 3 and up are inherited into the sandbox as the same descriptors. */
  stdio: StdioOptions;
}

/** The argv that joins the cgroups, enters a capsid network if given, drops to the sandbox uid and runs bubblewrap. */
export function sandboxArgv(s: Pick<SandboxSpawn, 'bwrap' | 'args' | 'dropTo' | 'netns'>): string[] {
  const enter = s.netns === undefined ? [] : ['nsenter', `--net=${s.netns}`, '--'];
  const drop = s.dropTo
    ? ['setpriv', `--reuid=${s.dropTo.uid}`, `--regid=${s.dropTo.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs']
    : [];
  return ['/bin/sh', '-c', JOIN_THEN_EXEC, 'capsid', ...enter, ...drop, s.bwrap, ...s.args];
}

/**
 * Starts a sandboxed command. The child's pid is bubblewrap's (the shell and setpriv exec into
 * it): signalling it ends the whole capsid (`--die-with-parent` kills the sandbox's init, and the
 * kernel every process of its pid namespace).
 */
export function spawnSandboxed(s: SandboxSpawn): ChildProcess {
  const [file, ...args] = sandboxArgv(s);
  return spawn(file!, args, {
    stdio: s.stdio,
    // Its own process group: a Ctrl-C on the donor's terminal reaches the donor, which drains the
    // capsid, not the capsid directly (it still dies with the donor: --die-with-parent).
    detached: true,
    // The wrapper's own environment: bubblewrap clears it for the command (--clearenv).
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CELL_CAPSID_PROCS: s.cgroupProcs.join(':') },
  });
}
