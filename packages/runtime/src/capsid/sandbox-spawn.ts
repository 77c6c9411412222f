import { type ChildProcess, type IOType, spawn } from 'node:child_process';
import type { Stream } from 'node:stream';

/** One stdio entry of a child. */
type StdioEntry = IOType | 'ipc' | Stream | number | null | undefined;

/** Exit status of the wrapper when it could not join a cgroup (nothing of the cell ran). */
export const JOIN_CGROUP_FAILED = 125;
/** Where a child finds the capsid network's descriptor it joins (closed again before the command runs). */
const NETNS_FD = 4;

/**
 * Joins the cgroups, then becomes the command. It runs as a shell so the join happens in the very
 * process that becomes bubblewrap: every process of the capsid is born inside its limits, with
 * no window in which a fork escapes them (a nucleus moving the pid in after spawn would race it).
 */
const JOIN_THEN_EXEC = `set -f; IFS=:; for f in $CELL_CAPSID_PROCS; do echo $$ > "$f" || exit ${JOIN_CGROUP_FAILED}; done; unset CELL_CAPSID_PROCS; exec "$@"`;
/** After `nsenter` joined the network: the namespace's descriptor is closed before anything else runs. */
const CLOSE_NETNS_THEN_EXEC = `exec ${NETNS_FD}<&-; exec "$@"`;

/** How to start a command in a capsid's cgroup, network and uid. */
export interface WrappedSpawn {
  /** argv of what runs once joined (bubblewrap and its arguments; a probe). */
  command: readonly string[];
  /** `cgroup.procs` files it joins before anything of it runs. */
  cgroupProcs: readonly string[];
  /**
   * When this process is root: the host uid and gid to become before the command runs (with
   * `setpriv`), so the capsid is an unprivileged user of the host, not root in a user namespace.
   */
  dropTo: { uid: number; gid: number } | undefined;
  /** A capsid network's descriptor to join first (`nsenter`, as root): the child gets its own copy at fork. */
  netnsFd?: number | undefined;
  /** stdio of the child up to index 3 (index 3 and up are inherited as the same descriptors); index 4 is the network's. */
  stdio: readonly StdioEntry[];
}

/** The argv that joins the cgroups, enters the capsid network if given (by the inherited descriptor), drops to the sandbox uid and runs the command. */
export function wrappedArgv(s: Pick<WrappedSpawn, 'command' | 'dropTo' | 'netnsFd'>): string[] {
  const enter = s.netnsFd === undefined ? [] : ['nsenter', `--net=/proc/self/fd/${NETNS_FD}`, '--', '/bin/sh', '-c', CLOSE_NETNS_THEN_EXEC, 'capsid'];
  const drop = s.dropTo
    ? ['setpriv', `--reuid=${s.dropTo.uid}`, `--regid=${s.dropTo.gid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--no-new-privs']
    : [];
  return ['/bin/sh', '-c', JOIN_THEN_EXEC, 'capsid', ...enter, ...drop, ...s.command];
}

/** The argv that joins the cgroups, drops to the sandbox uid and runs bubblewrap (no network to enter). */
export function sandboxArgv(s: { bwrap: string; args: readonly string[]; dropTo: WrappedSpawn['dropTo'] }): string[] {
  return wrappedArgv({ command: [s.bwrap, ...s.args], dropTo: s.dropTo });
}

/**
 * Starts a wrapped command. The child's pid is the command's (the shells, nsenter and setpriv
 * exec into it): for bubblewrap, signalling it ends the whole capsid (`--die-with-parent` kills
 * the sandbox's init, and the kernel every process of its pid namespace).
 */
export function spawnWrapped(s: WrappedSpawn, timeoutMs?: number): ChildProcess {
  const [file, ...args] = wrappedArgv(s);
  const stdio: StdioEntry[] = [...s.stdio];
  while (stdio.length < NETNS_FD) stdio.push('ignore');
  if (s.netnsFd !== undefined) stdio[NETNS_FD] = s.netnsFd;
  return spawn(file!, args, {
    stdio,
    // Its own process group: a Ctrl-C on the donor's terminal reaches the donor, which drains the
    // capsid, not the capsid directly (it still dies with the donor: --die-with-parent).
    detached: true,
    // The wrapper's own environment: bubblewrap clears it for the command (--clearenv).
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', CELL_CAPSID_PROCS: s.cgroupProcs.join(':') },
    ...(timeoutMs === undefined ? {} : { timeout: timeoutMs, killSignal: 'SIGKILL' as const }),
  });
}

/** Starts bubblewrap with `args` in a capsid's cgroup (and network), as its uid. */
export function spawnSandboxed(s: Omit<WrappedSpawn, 'command'> & { bwrap: string; args: readonly string[] }): ChildProcess {
  return spawnWrapped({ ...s, command: [s.bwrap, ...s.args] });
}
