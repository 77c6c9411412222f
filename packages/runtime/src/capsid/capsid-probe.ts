import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { CellError } from '@cell/protocol';
import { type LimitEnforcer, ResourceLimiter } from '../nucleus/cgroups.ts';
import { bwrapArgs, systemEntries } from './bwrap-args.ts';
import { findExecutable, unreachableAncestor } from './host-paths.ts';
import { sandboxArgv } from './sandbox-spawn.ts';

/** Oldest bubblewrap with `--disable-userns` (no user namespaces inside a capsid). */
const MIN_BWRAP = [0, 8, 0] as const;
/** Where a capsid sees the Node binary it runs. */
export const SANDBOX_NODE = '/opt/cell/bin/node';

/** What `probeCapsid` checks with. */
export interface CapsidProbeOptions {
  /** bubblewrap's executable; default `bwrap` on `PATH`. */
  bwrap?: string | undefined;
  /** Host uid and gid of sandboxed processes (used when this process is root). */
  uid: number;
  gid: number;
  /** The Node binary capsids run. */
  nodePath: string;
  /** cgroup mount (tests point it elsewhere). */
  cgroupRoot?: string | undefined;
}

/** Whether this machine can run capsids, and if not, every reason why. */
export interface CapsidProbe {
  ok: boolean;
  /** Each missing piece, in words a donor can act on; empty when `ok`. */
  reasons: string[];
  bwrap: string | undefined;
  bwrapVersion: string | undefined;
  /** What enforces `[resources]` (never `none` when `ok`). */
  enforcer: LimitEnforcer;
}

function versionAtLeast(version: string, min: readonly number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10));
  for (let i = 0; i < min.length; i++) {
    const v = parts[i] ?? 0;
    if (v !== min[i]) return v > min[i]!;
  }
  return true;
}

function probeBwrap(path: string | undefined, reasons: string[]): string | undefined {
  if (!path) {
    reasons.push('bubblewrap (bwrap) is not installed: on Debian or Ubuntu, `apt-get install bubblewrap` (tools/setup-system.sh does it)');
    return undefined;
  }
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  const version = /bubblewrap (\d+\.\d+\.\d+)/.exec(r.stdout ?? '')?.[1];
  if (r.error || r.status !== 0 || !version) {
    reasons.push(`${path} --version failed: ${r.error?.message ?? (r.stderr || r.stdout).trim()}`);
    return undefined;
  }
  if (!versionAtLeast(version, MIN_BWRAP)) reasons.push(`bubblewrap ${version} is older than ${MIN_BWRAP.join('.')} (needed for --disable-userns)`);
  return version;
}

function probeCgroups(cgroupRoot: string | undefined, reasons: string[]): LimitEnforcer {
  const limiter = new ResourceLimiter(`capsid-probe-${randomBytes(4).toString('hex')}`, { root: cgroupRoot });
  try {
    if (limiter.enforcer === 'none') reasons.push(`cgroups cannot be written, so [resources] could not be enforced: ${limiter.unavailableReason}`);
    else if (!limiter.canLimitPids) reasons.push(`the cgroup pids controller is not available (${limiter.enforcer}), so a fork bomb could not be stopped`);
    return limiter.enforcer;
  } finally {
    limiter.releaseAll();
  }
}

/** Runs `node -e 0` in a capsid: proves user namespaces, mounts and the Node binary work for the sandbox uid. */
function trialRun(bwrap: string, options: CapsidProbeOptions, dropTo: { uid: number; gid: number } | undefined, reasons: string[]): void {
  const uid = dropTo?.uid ?? process.getuid!();
  const gid = dropTo?.gid ?? process.getgid!();
  const args = bwrapArgs(
    { uid, gid, readOnly: [[options.nodePath, SANDBOX_NODE]], writable: [], tmpBytes: 1 << 20, env: { PATH: '/usr/bin:/bin' }, cwd: '/', command: [SANDBOX_NODE, '-e', '0'] },
    systemEntries(),
  );
  const [file, ...argv] = sandboxArgv({ bwrap, args, dropTo });
  const r = spawnSync(file!, argv, { encoding: 'utf8', timeout: 30_000, env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
  if (r.error || r.status !== 0) {
    const why = (r.stderr ?? '').trim() || r.error?.message || `exit ${r.status ?? r.signal}`;
    reasons.push(`a trial capsid failed (${why}); user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces, or an AppArmor userns restriction)`);
  }
}

/**
 * Finds out whether this machine can build and run cells in capsids: Linux, bubblewrap 0.8+,
 * `setpriv` when root, cgroups with memory, cpu and pids controllers it may write, a Node binary
 * the sandbox uid can reach, and a trial sandbox that starts. Never throws: a `cell donate` turns
 * a failed probe into `CELL_E_CAPSID_UNAVAILABLE` with `capsidUnavailable`.
 */
export function probeCapsid(options: CapsidProbeOptions): CapsidProbe {
  const reasons: string[] = [];
  const none: CapsidProbe = { ok: false, reasons, bwrap: undefined, bwrapVersion: undefined, enforcer: 'none' };
  if (process.platform !== 'linux') {
    reasons.push(`capsids need Linux namespaces and cgroups; this is ${process.platform}`);
    return none;
  }
  const bwrap = options.bwrap ?? findExecutable('bwrap');
  const bwrapVersion = probeBwrap(bwrap, reasons);
  const isRoot = process.getuid!() === 0;
  const dropTo = isRoot ? { uid: options.uid, gid: options.gid } : undefined;
  if (isRoot && options.uid === 0) reasons.push('the sandbox uid is 0: capsids must run as an unprivileged uid');
  if (isRoot && !findExecutable('setpriv')) reasons.push('setpriv (util-linux) is missing: needed to drop from root to the sandbox uid');
  const enforcer = probeCgroups(options.cgroupRoot, reasons);
  if (dropTo) {
    try {
      const blocked = unreachableAncestor(options.nodePath, dropTo.uid, dropTo.gid);
      if (blocked) reasons.push(`the Node binary ${options.nodePath} is not reachable by uid ${dropTo.uid} (${blocked} does not let it through): install Node where every user can run it`);
    } catch (err) {
      reasons.push(`the Node binary ${options.nodePath} is missing: ${(err as Error).message}`);
    }
  }
  if (bwrap && bwrapVersion && reasons.length === 0) trialRun(bwrap, options, dropTo, reasons);
  return { ok: reasons.length === 0, reasons, bwrap, bwrapVersion, enforcer };
}

/** The typed refusal a donor gives when its machine cannot run capsids. */
export function capsidUnavailable(probe: CapsidProbe): CellError {
  return new CellError('CELL_E_CAPSID_UNAVAILABLE', `this machine cannot run cells in a capsid: ${probe.reasons.join('; ')}`, {
    details: { reasons: probe.reasons },
  });
}
