import { type CellStatus, type ReplicaSpan, Span, type TreeStatus } from '@cell/host';
import { repeatedCheck } from '@cell/wire';
import { mergeDependencyStats, mergeMethodStats } from './cell-status.ts';
import type { CellSupervisor } from './cell-supervisor.ts';

/** What a cell's replicas report, summed: per dependency the candidates their racers see, per method the calls served. */
export async function replicaStats(sup: CellSupervisor): Promise<Pick<CellStatus, 'deps' | 'methods'>> {
  const reports = await Promise.all(sup.processes().map(({ process }) => process.stats()));
  return { deps: mergeDependencyStats(reports.map((r) => r?.deps)), methods: mergeMethodStats(reports.map((r) => r?.methods)) };
}

/** `status` with each cell's replica stats filled in (asked of the replicas at once). */
export async function withReplicaStats(status: TreeStatus, sups: readonly CellSupervisor[]): Promise<TreeStatus> {
  const byName = new Map(sups.map((s) => [s.name, s]));
  await Promise.all(
    status.cells.map(async (c) => {
      const sup = byName.get(c.name);
      if (sup) Object.assign(c, await replicaStats(sup));
    }),
  );
  return status;
}

/** What `spans` asks each replica for: one trace's spans (a hex prefix of its id), at most `limit` per replica. */
export interface SpanQuery {
  trace?: string | undefined;
  limit: number;
}

// A cell's answer is checked, not trusted: a span that is not one is dropped, not passed on.
const isSpan = repeatedCheck(Span);

/**
 * The spans the tree's replicas keep, oldest first, each with its cell and replica; the replicas
 * that keep spans but did not answer within `timeoutMs` are named (process cells keep none).
 */
export async function replicaSpans(sups: readonly CellSupervisor[], query: SpanQuery, timeoutMs = 1000): Promise<{ spans: ReplicaSpan[]; unanswered: string[] }> {
  const asked = sups.flatMap((sup) => sup.processes().map((p) => ({ cell: sup.name, ...p })));
  const answers = await Promise.all(asked.map(({ process }) => process.spans?.(query, timeoutMs)));
  const spans: ReplicaSpan[] = [];
  const unanswered: string[] = [];
  asked.forEach(({ cell, id, process }, i) => {
    const got = answers[i];
    if (got === undefined) {
      if (process.spans !== undefined && process.isRunning) unanswered.push(id);
      return;
    }
    for (const span of Array.isArray(got) ? got : []) if (isSpan(span)) spans.push({ ...span, cell, replica: id });
  });
  spans.sort((a, b) => a.start - b.start);
  return { spans, unanswered };
}
