import type { CellStatus } from '@cell/host';
import type { ReplicaState } from './replica-slot.ts';

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
