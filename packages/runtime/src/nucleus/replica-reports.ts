import { type CellStatus, type ReplicaSpan, Span, type TreeStatus } from '@cell/host';
import { repeatedCheck } from '@cell/wire';
import { mergeDependencyStats, mergeMethodStats } from './cell-status.ts';
import type { CellSupervisor } from './cell-supervisor.ts';
import type { SpanQuery } from './supervised-process.ts';

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

// A cell's answer is checked, not trusted: a span that is not one is dropped, not passed on.
const isSpan = repeatedCheck(Span);

/** The well-formed spans of a replica's answer, each with its cell and replica. */
export function spansOf(answer: { spans?: unknown }, cell: string, replica: string): ReplicaSpan[] {
  const out: ReplicaSpan[] = [];
  for (const span of Array.isArray(answer.spans) ? (answer.spans as unknown[]) : []) if (isSpan(span)) out.push({ ...(span as Span), cell, replica });
  return out;
}

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
    if (got !== undefined) spans.push(...spansOf(got, cell, id));
    else if (process.spans !== undefined && process.isRunning) unanswered.push(id);
  });
  spans.sort((a, b) => a.start - b.start);
  return { spans, unanswered };
}
