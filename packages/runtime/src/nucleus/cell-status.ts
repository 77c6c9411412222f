import { relative } from 'node:path';
import { CellError } from '@cell/protocol';
import type { TreeNode } from '@cell/config';
import type { CellStatus } from '@cell/host';
import type { LimitEnforcer } from './cgroups.ts';
import type { ReplicaState, Slot } from './replica-slot.ts';
import type { ReplicaPorts } from '../process/port-allocation.ts';

/** A cell's state, derived from its replicas' states (`group` for a cell without code). */
export function cellState(hasProcess: boolean, states: readonly ReplicaState[]): CellStatus['state'] {
  if (!hasProcess) return 'group';
  if (states.every((s) => s === 'ready')) return 'ready';
  if (states.some((s) => s === 'stopping')) return 'stopping';
  if (states.every((s) => s === 'failed')) return 'failed';
  if (states.every((s) => s === 'idle' || s === 'stopped') && states.some((s) => s === 'idle')) return 'idle';
  if (states.every((s) => s === 'stopped')) return 'stopped';
  if (states.some((s) => s === 'ready')) return 'degraded';
  if (states.some((s) => s === 'failed')) return 'failed';
  return 'starting';
}

/** Per dependency, every candidate as the replicas' racers see it, summed over replicas. */
/** The calls each method served, summed over a cell's replicas. */
export function mergeMethodStats(reports: ReadonlyArray<CellStatus['methods'] | undefined>): CellStatus['methods'] {
  const merged: CellStatus['methods'] = {};
  for (const report of reports) {
    for (const [method, m] of Object.entries(report ?? {})) {
      const into = (merged[method] ??= { ok: 0, errors: {}, buckets: m.buckets.map(() => 0), sumMs: 0 });
      into.ok += m.ok;
      into.sumMs += m.sumMs;
      for (const [code, n] of Object.entries(m.errors)) into.errors[code] = (into.errors[code] ?? 0) + n;
      m.buckets.forEach((n, i) => (into.buckets[i] = (into.buckets[i] ?? 0) + n));
    }
  }
  return merged;
}

export function mergeDependencyStats(reports: ReadonlyArray<CellStatus['deps'] | undefined>): CellStatus['deps'] {
  const merged: CellStatus['deps'] = {};
  for (const report of reports) {
    for (const [dep, candidates] of Object.entries(report ?? {})) {
      const rows = (merged[dep] ??= []);
      for (const c of candidates) {
        const row = rows.find((r) => r.endpoint === c.endpoint);
        if (!row) rows.push({ ...c });
        else {
          row.calls += c.calls;
          row.inFlight += c.inFlight;
          row.connected ||= c.connected;
          row.latencyMs = c.latencyMs ?? row.latencyMs;
          row.score = c.score ?? row.score;
        }
      }
    }
  }
  for (const rows of Object.values(merged)) {
    const total = rows.reduce((sum, r) => sum + r.calls, 0);
    for (const r of rows) r.share = total > 0 ? Math.round((r.calls / total) * 1000) / 1000 : 0;
  }
  return merged;
}

/** What a cell's status is made of. */
export interface CellStatusParts {
  node: TreeNode;
  /** The version its replicas run. */
  version: string;
  parent: string | null;
  state: CellStatus['state'];
  hasProcess: boolean;
  slots: readonly Slot[];
  /** Each replica's ports (undefined before the first start). */
  ports: readonly ReplicaPorts[] | undefined;
  /** True for a process cell (no socket: it is reached at its ports). */
  isProcess: boolean;
  /** Why limits are not (fully) enforced, if they are not. */
  limitsWarning: string | undefined;
  enforcer: LimitEnforcer;
}

/** The status of one cell and its replicas (`cell status`, docs/status.md); `deps` is filled in later. */
export function cellStatusOf(p: CellStatusParts, now = Date.now()): CellStatus {
  const { memory, cpu } = p.node.config.resources;
  return {
    name: p.node.name,
    version: p.version,
    dir: p.node.dir,
    parent: p.parent,
    state: p.state,
    replicasWanted: p.hasProcess ? p.slots.length : 0,
    idleTimeoutMs: p.node.config.lifeCycle.idleTimeoutMs ?? null,
    limits: {
      memoryBytes: memory.max ?? null,
      cpu: cpu.max ?? null,
      enforcedBy: (memory.max === undefined && cpu.max === undefined) || p.limitsWarning ? 'none' : p.enforcer,
      warning: p.limitsWarning ?? null,
    },
    replicas: p.hasProcess
      ? p.slots.map((s) => ({
          id: s.id,
          index: s.index,
          state: s.state,
          pid: s.current?.pid ?? null,
          restarts: s.restarts,
          startedAt: s.current?.startedAt ?? null,
          uptimeMs: s.current ? now - s.current.startedAt : null,
          rssBytes: s.current?.rssBytes() ?? null,
          socket: p.isProcess ? null : relative(p.node.dir, s.socket),
          ports: Object.fromEntries((p.ports?.[s.index] ?? []).map((port) => [port.name, port.port])),
          axonPort: s.current?.axonPort ?? null,
          logError: s.log?.error ?? null,
          calls: null,
          lastExit: s.lastExit,
        }))
      : [],
    failure: p.slots.find((s) => s.state === 'failed')?.failure ?? null,
    deps: {},
    methods: {},
  };
}

/**
 * How a cell's start is going: `'ready'` once every replica answers, an error as soon as one has
 * failed for good (or the cell is stopping), undefined while it is still under way.
 */
export function startOutcome(cell: string, slots: readonly Slot[], stopping: boolean): 'ready' | CellError | undefined {
  const failed = slots.find((s) => s.state === 'failed');
  if (failed) {
    return new CellError('CELL_E_UNAVAILABLE', `cell ${cell} failed to start: ${failed.failure ?? 'see its log'}`, {
      details: { cell, replica: failed.id, lastExit: failed.lastExit },
    });
  }
  if (slots.every((s) => s.state === 'ready')) return 'ready';
  if (stopping) return new CellError('CELL_E_CLOSED', `cell ${cell} was stopped while starting`);
  return undefined;
}
