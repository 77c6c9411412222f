import type { ReplicaSpan } from '@cell/host';

/** One request: its spans, and the ones its tree starts from. */
export interface TraceSummary {
  trace: string;
  spans: ReplicaSpan[];
  /** Spans whose parent is not among them: the root, and any whose parent was on another node or is no longer kept. */
  roots: ReplicaSpan[];
  start: number;
  durationMs: number;
  /** Spans that ended with an error. */
  errors: number;
}

/** Groups spans by trace, each trace's spans oldest first, the traces by when they started. */
export function summarizeTraces(spans: readonly ReplicaSpan[]): TraceSummary[] {
  const byTrace = Map.groupBy(spans, (s) => s.trace);
  const out: TraceSummary[] = [];
  for (const [trace, list] of byTrace) {
    list.sort((a, b) => a.start - b.start);
    const ids = new Set(list.map((s) => s.span));
    const start = list[0]!.start;
    const end = Math.max(...list.map((s) => s.start + s.durationMs));
    const roots = list.filter((s) => s.parent === undefined || !ids.has(s.parent) || s.parent === s.span);
    // Spans that are each other's parents (another node's making) have no root: start from the first.
    out.push({ trace, spans: list, roots: roots.length > 0 ? roots : [list[0]!], start, durationMs: end - start, errors: list.filter((s) => s.outcome !== 'ok').length });
  }
  return out.sort((a, b) => a.start - b.start);
}
