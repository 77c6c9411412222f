import { CellError } from '@cell/protocol';
import type { ReplicaSpan } from '@cell/host';
import { summarizeTraces, treeSpans, type TraceSummary } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/** A trace id as logs show it (32 hex characters), or enough of its start to name one: 4 or more. */
const TRACE_PREFIX = /^[0-9a-f]{4,32}$/i;

/** `cell trace [trace-id] [dir]`: the first argument is a trace id when it looks like one, else the directory. */
export function traceArguments(first: string | undefined, second: string | undefined): { trace: string | undefined; dir: string | undefined } {
  if (first === undefined) return { trace: undefined, dir: second };
  if (TRACE_PREFIX.test(first)) return { trace: first.toLowerCase(), dir: second };
  if (second !== undefined) throw new CellError('CELL_E_INVALID_ARGUMENT', `${JSON.stringify(first)} is not a trace id (32 hex characters, or at least the first 4 of them)`);
  return { trace: undefined, dir: first };
}

export interface TraceResult {
  /** The trace id (or prefix) asked for; undefined for the newest traces. */
  asked: string | undefined;
  /** One trace (with an id), or the newest `limit` traces. */
  traces: TraceSummary[];
  spans: ReplicaSpan[];
  /** Replicas that did not answer in time: their spans are missing. */
  unanswered: string[];
}

/**
 * `cell trace [trace-id] [dir]`: with an id, the calls of that request across the tree's cells,
 * from the spans each replica keeps (its newest calls); without, the newest traces.
 */
export async function traceCommand(first: string | undefined, second: string | undefined, options: { limit: number }): Promise<TraceResult> {
  const { trace, dir } = traceArguments(first, second);
  const { spans, unanswered } = await treeSpans(cellDir(dir), trace === undefined ? {} : { trace });
  const traces = summarizeTraces(spans);
  if (trace === undefined) {
    const newest = traces.slice(-options.limit);
    const kept = new Set(newest.map((t) => t.trace));
    return { asked: undefined, traces: newest, spans: spans.filter((s) => kept.has(s.trace)), unanswered };
  }
  if (traces.length === 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `no replica of the running tree keeps a span of trace ${trace}: each keeps only its newest calls ([observe] spans), and a cell restarted since forgot its own`);
  }
  if (traces.length > 1) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${trace} starts ${traces.length} trace ids (${traces.slice(0, 5).map((t) => t.trace).join(', ')}${traces.length > 5 ? ', …' : ''}): give more of it`);
  }
  return { asked: trace, traces, spans, unanswered };
}
