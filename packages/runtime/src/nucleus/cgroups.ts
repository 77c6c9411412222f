import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LimitEnforcer = 'cgroup-v2' | 'cgroup-v1' | 'none';

/** What a cell asks for in `[resources]` (maxima only are enforced). */
export interface LimitRequest {
  memoryBytes: number | undefined;
  /** CPU cores. */
  cpu: number | undefined;
  /** Most tasks (processes and threads) the group may hold: a fork bomb's ceiling (a capsid's). */
  pids?: number | undefined;
}

/** Limits prepared for one replica process. */
export interface ReplicaLimits {
  enforcedBy: LimitEnforcer;
  warning: string | undefined;
  /** Environment for the process: `CELL_CGROUP_PROCS`, the files it writes its pid to first thing. */
  env: Record<string, string>;
  /** Node flags for the process (the heap cap when cgroups are unavailable). */
  execArgv: string[];
  /** True when the kernel OOM-killed something in this replica's group. */
  oomKilled(): boolean;
  /** Removes the group (after the process exited). */
  release(): void;
}

const CPU_PERIOD_US = 100_000;
/** Where cgroups are mounted: v2 at the top, v1 one directory per controller below it. */
const CGROUP_ROOT = '/sys/fs/cgroup';

/** Options of `ResourceLimiter`. */
export interface ResourceLimiterOptions {
  /** The cgroup mount to use (tests point it at a directory of their own). */
  root?: string;
}

function write(path: string, value: string): void {
  writeFileSync(path, value);
}

function oomKills(file: string): number {
  try {
    const m = /oom_kill (\d+)/.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Creates a group directory under an existing controller hierarchy (never the hierarchy itself). */
function makeGroup(dir: string): void {
  // Recursive mkdir can spin forever on a sysfs without cgroups mounted (as inside `ip netns
  // exec`): create one level at a time, below a parent that must already exist.
  if (!existsSync(dir)) mkdirSync(dir);
}

function removeDir(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // still has a process (killed processes leave lazily) or already gone
  }
}

/**
 * A replica's group as new. A group of the same name left by an earlier run of the tree (its
 * nucleus killed before it could remove it) keeps that run's limits and the memory charged to
 * it; writing new limits over those fails (v1: EINVAL below the old swap limit, EBUSY below the
 * memory still charged), so it is removed first.
 */
function freshGroup(dir: string): void {
  if (existsSync(dir)) removeDir(dir);
  makeGroup(dir);
}

/**
 * Enforces `[resources]` maxima with cgroups, v2 or v1 — whichever this machine lets us write —
 * one group per replica under `cell-<tree>`. Where neither is writable it says so once and falls
 * back to the best available limit: a V8 heap cap for memory, nothing for CPU.
 */
export class ResourceLimiter {
  readonly enforcer: LimitEnforcer;
  /** Why cgroups are not used, when they are not. */
  readonly unavailableReason: string | undefined;
  private pidsDelegated = false;
  private readonly group: string;
  private readonly root: string;
  private readonly dirs: string[] = [];

  constructor(treeId: string, options: ResourceLimiterOptions = {}) {
    this.group = `cell-${treeId}`;
    this.root = options.root ?? CGROUP_ROOT;
    const probe = this.probe();
    this.enforcer = probe.enforcer;
    this.unavailableReason = probe.reason;
  }

  /** True when the pids controller can be written too (`LimitRequest.pids` is enforced). */
  get canLimitPids(): boolean {
    return this.pidsDelegated;
  }

  private probe(): { enforcer: LimitEnforcer; reason: string | undefined } {
    if (process.platform !== 'linux') return { enforcer: 'none', reason: 'cgroups exist only on Linux' };
    const errors: string[] = [];
    try {
      const controllers = readFileSync(join(this.root, 'cgroup.controllers'), 'utf8');
      if (/\bmemory\b/.test(controllers)) {
        const base = join(this.root, this.group);
        makeGroup(base);
        this.dirs.push(base);
        this.pidsDelegated = this.enableControllersV2(/\bpids\b/.test(controllers), base);
        return { enforcer: 'cgroup-v2', reason: undefined };
      }
      errors.push('cgroup v2 has no memory controller');
    } catch (err) {
      errors.push(`cgroup v2: ${(err as Error).message}`);
    }
    try {
      for (const controller of ['memory', 'cpu']) {
        if (!existsSync(join(this.root, controller, 'cgroup.procs'))) throw new Error(`no ${controller} controller mounted at ${join(this.root, controller)}`);
        const base = join(this.root, controller, this.group);
        makeGroup(base);
        this.dirs.push(base);
      }
      if (existsSync(join(this.root, 'pids', 'cgroup.procs'))) {
        const base = join(this.root, 'pids', this.group);
        makeGroup(base);
        this.dirs.push(base);
        this.pidsDelegated = true;
      }
      return { enforcer: 'cgroup-v1', reason: undefined };
    } catch (err) {
      errors.push(`cgroup v1: ${(err as Error).message}`);
    }
    return { enforcer: 'none', reason: errors.join('; ') };
  }

  /** Delegates memory and cpu (or throws), and pids when offered; true when pids is delegated. */
  private enableControllersV2(offersPids: boolean, base: string): boolean {
    const enable = (list: string) => {
      write(join(this.root, 'cgroup.subtree_control'), list);
      write(join(base, 'cgroup.subtree_control'), list);
    };
    if (offersPids) {
      try {
        enable('+memory +cpu +pids');
        return true;
      } catch {
        // pids not delegated to us: limit memory and cpu without it
      }
    }
    enable('+memory +cpu');
    return false;
  }

  /** Prepares limits for one replica process (`key` must be unique per process). */
  limit(key: string, request: LimitRequest): ReplicaLimits {
    const none = (warning: string | undefined): ReplicaLimits => ({
      enforcedBy: 'none',
      warning,
      env: {},
      execArgv: request.memoryBytes ? [`--max-old-space-size=${Math.max(16, Math.floor((request.memoryBytes * 0.75) / 2 ** 20))}`] : [],
      oomKilled: () => false,
      release: () => undefined,
    });
    if (request.memoryBytes === undefined && request.cpu === undefined && request.pids === undefined) return none(undefined);
    if (this.enforcer === 'none') {
      return none(
        `resource limits are not enforced by cgroups here (${this.unavailableReason}); memory is capped at the V8 heap only${request.cpu ? ', cpu is not limited' : ''}`,
      );
    }
    try {
      return this.enforcer === 'cgroup-v2' ? this.limitV2(key, request) : this.limitV1(key, request);
    } catch (err) {
      return none(`could not create a cgroup (${(err as Error).message}); memory is capped at the V8 heap only`);
    }
  }

  private limitV2(key: string, request: LimitRequest): ReplicaLimits {
    const dir = join(this.root, this.group, key);
    freshGroup(dir);
    if (request.memoryBytes !== undefined) {
      write(join(dir, 'memory.max'), String(request.memoryBytes));
      if (existsSync(join(dir, 'memory.swap.max'))) write(join(dir, 'memory.swap.max'), '0');
    }
    if (request.cpu !== undefined) write(join(dir, 'cpu.max'), `${Math.round(request.cpu * CPU_PERIOD_US)} ${CPU_PERIOD_US}`);
    if (request.pids !== undefined && this.canLimitPids) write(join(dir, 'pids.max'), String(request.pids));
    const events = join(dir, 'memory.events');
    const before = oomKills(events);
    return {
      enforcedBy: 'cgroup-v2',
      warning: this.pidsWarning(request),
      env: { CELL_CGROUP_PROCS: join(dir, 'cgroup.procs') },
      execArgv: [],
      oomKilled: () => oomKills(events) > before,
      release: () => removeDir(dir),
    };
  }

  private limitV1(key: string, request: LimitRequest): ReplicaLimits {
    const memDir = join(this.root, 'memory', this.group, key);
    const cpuDir = join(this.root, 'cpu', this.group, key);
    const procs: string[] = [];
    freshGroup(memDir);
    procs.push(join(memDir, 'cgroup.procs'));
    if (request.memoryBytes !== undefined) {
      // memory+swap may never be below memory: lift it first (a group that could not be removed keeps its old one).
      const memsw = join(memDir, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) write(memsw, '-1');
      write(join(memDir, 'memory.limit_in_bytes'), String(request.memoryBytes));
      // Without this the kernel would swap instead of enforcing the limit.
      if (existsSync(memsw)) write(memsw, String(request.memoryBytes));
      if (existsSync(join(memDir, 'memory.swappiness'))) {
        try {
          write(join(memDir, 'memory.swappiness'), '0');
        } catch {
          // not settable on every kernel
        }
      }
    }
    if (request.cpu !== undefined) {
      freshGroup(cpuDir);
      write(join(cpuDir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
      write(join(cpuDir, 'cpu.cfs_quota_us'), String(Math.round(request.cpu * CPU_PERIOD_US)));
      procs.push(join(cpuDir, 'cgroup.procs'));
    }
    const pidsDir = join(this.root, 'pids', this.group, key);
    const limitPids = request.pids !== undefined && this.canLimitPids;
    if (limitPids) {
      freshGroup(pidsDir);
      write(join(pidsDir, 'pids.max'), String(request.pids));
      procs.push(join(pidsDir, 'cgroup.procs'));
    }
    const control = join(memDir, 'memory.oom_control');
    const before = oomKills(control);
    return {
      enforcedBy: 'cgroup-v1',
      warning: this.pidsWarning(request),
      env: { CELL_CGROUP_PROCS: procs.join(':') },
      execArgv: [],
      oomKilled: () => oomKills(control) > before,
      release: () => {
        removeDir(memDir);
        if (request.cpu !== undefined) removeDir(cpuDir);
        if (limitPids) removeDir(pidsDir);
      },
    };
  }

  private pidsWarning(request: LimitRequest): string | undefined {
    return request.pids !== undefined && !this.canLimitPids ? 'the pids controller is not available: the process count is not limited' : undefined;
  }

  /**
   * Removes the tree's groups (call after every process exited), with any replica group still
   * in them: a group is released a moment after its process exits, which a nucleus stopping (or
   * exiting) right after its last replica may not wait for — and a group with children stays.
   */
  releaseAll(): void {
    for (const d of this.dirs) {
      try {
        for (const e of readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) removeDir(join(d, e.name));
      } catch {
        // already gone
      }
      removeDir(d);
    }
  }
}
