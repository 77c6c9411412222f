import type { ReplicaSpan } from '@cell/host';

/** Who called whom in a time window: calls, failed calls, and the calls per second over it. */
export interface CallEdge {
  /** The calling cell; `outside` for a caller that is no cell of a tree (a CLI, a script). */
  from: string;
  to: string;
  calls: number;
  errors: number;
  perSecond: number;
}

/**
 * The calls between cells in the `windowMs` before `now`, from the spans the replicas keep (each
 * span is one call its cell served, its `caller` the calling cell). A replica that gave the most
 * spans it was asked for (`perReplica`) kept only its newest calls: its rates are over the time
 * those cover, not the whole window, so a busy cell is not shown as a quiet one. Busiest first.
 */
export function callGraph(spans: readonly ReplicaSpan[], now: number, windowMs = 60_000, perReplica = Infinity): CallEdge[] {
  const since = now - windowMs;
  const byReplica = Map.groupBy(
    spans.filter((s) => s.start >= since),
    (s) => s.replica,
  );
  const edges = new Map<string, CallEdge & { rate: number }>();
  for (const list of byReplica.values()) {
    const oldest = list.reduce((min, s) => Math.min(min, s.start), Infinity);
    const seconds = Math.max(1, list.length >= perReplica ? now - oldest : windowMs) / 1000;
    for (const s of list) {
      const from = s.caller ?? (s.node !== undefined ? `node ${s.node.slice(0, 12)}` : 'outside');
      const key = `${from}\0${s.cell}`;
      let e = edges.get(key);
      if (!e) edges.set(key, (e = { from, to: s.cell, calls: 0, errors: 0, perSecond: 0, rate: 0 }));
      e.calls++;
      e.rate += 1 / seconds;
      if (s.outcome !== 'ok') e.errors++;
    }
  }
  return [...edges.values()].map(({ rate, ...e }) => ({ ...e, perSecond: Math.round(rate * 100) / 100 })).sort((a, b) => b.calls - a.calls || a.from.localeCompare(b.from));
}
