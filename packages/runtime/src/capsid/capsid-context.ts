import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CellError } from '@cell/protocol';
import type { LimitRequest, ReplicaLimits, ResourceLimiter } from '../nucleus/cgroups.ts';
import type { SystemEntry } from './bwrap-args.ts';

/** What every capsid of one host shares: the tools, the sandbox uid, the cgroup tree. */
export interface CapsidContext {
  bwrap: string;
  system: readonly SystemEntry[];
  /** Host uid and gid of sandboxed processes. */
  uid: number;
  gid: number;
  /** Set when this process is root: it drops to `uid`/`gid` before bubblewrap runs. */
  dropTo: { uid: number; gid: number } | undefined;
  /** The Node binary run inside (bound read-only at `SANDBOX_NODE`). */
  nodePath: string;
  limiter: ResourceLimiter;
  /** `/etc/passwd` and `/etc/group` binds for process cells (`identityFiles`). */
  identity: ReadonlyArray<readonly [string, string]>;
}

/** `[resources]` of one capsid; every one is enforced (a donor never runs a capsid unlimited). */
export interface CapsidResources {
  memoryBytes: number;
  /** CPU cores. */
  cpu: number;
  /** Tasks (processes and threads: an idle Node cell has about a dozen). */
  pids: number;
}

/**
 * A cgroup for one capsid with every limit in force, or an error: unlike a replica of one's own
 * tree, a capsid never falls back to a heap cap with a warning.
 */
export function enforcedLimits(ctx: CapsidContext, name: string, resources: CapsidResources): ReplicaLimits {
  const request: LimitRequest = { memoryBytes: resources.memoryBytes, cpu: resources.cpu, pids: resources.pids };
  const limits = ctx.limiter.limit(`${name}.${randomBytes(3).toString('hex')}`, request);
  if (limits.enforcedBy === 'none' || limits.warning !== undefined) {
    limits.release();
    throw new CellError('CELL_E_CAPSID_UNAVAILABLE', `capsid ${name}: its limits cannot be enforced (${limits.warning ?? 'no cgroup'})`, {
      details: { reasons: [limits.warning ?? 'no cgroup'] },
    });
  }
  return limits;
}

/** The `cgroup.procs` files a capsid's wrapper joins. */
export function procsFiles(limits: ReplicaLimits): string[] {
  return (limits.env['CELL_CGROUP_PROCS'] ?? '').split(':').filter(Boolean);
}

/** Processes in a capsid's cgroup (they outlive bubblewrap by a moment: the kernel tears the pid namespace down). */
export function processCount(limits: ReplicaLimits): number {
  const file = procsFiles(limits)[0];
  try {
    return file ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
  } catch {
    return 0; // group gone
  }
}

/** Waits (at most ~2 s) until no process is left in a capsid's cgroup: then it is gone, and its group can be removed. */
export async function emptied(limits: ReplicaLimits): Promise<void> {
  for (let i = 0; i < 200 && processCount(limits) > 0; i++) await new Promise((r) => setTimeout(r, 10));
}
