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

/** Callers that are no cell: named `outside` in the graph. */
export const OUTSIDE = 'outside';

/**
 * The calls between cells in the `windowMs` before `now`, from the spans the replicas keep (each
 * span is one call its cell served, its `caller` the calling cell). Edges are sorted by calls.
 */
export function callGraph(spans: readonly ReplicaSpan[], now: number, windowMs = 60_000): CallEdge[] {
  const since = now - windowMs;
  const edges = new Map<string, CallEdge>();
  for (const s of spans) {
    if (s.start < since) continue;
    const from = s.caller ?? (s.node !== undefined ? `node ${s.node.slice(0, 12)}` : OUTSIDE);
    const key = `${from}\0${s.cell}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { from, to: s.cell, calls: 0, errors: 0, perSecond: 0 }));
    e.calls++;
    if (s.outcome !== 'ok') e.errors++;
  }
  const seconds = windowMs / 1000;
  return [...edges.values()].map((e) => ({ ...e, perSecond: Math.round((e.calls / seconds) * 100) / 100 })).sort((a, b) => b.calls - a.calls || a.from.localeCompare(b.from));
}
