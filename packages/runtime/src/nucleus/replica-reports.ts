import { type CellStatus, ReplicaSpan, type ReplicaStatus, Span, type TreeStatus } from '@cell/host';
import { lazyValidator } from '@cell/contract';
import { mergeDependencyStats, mergeMethodStats } from './cell-status.ts';
import type { CellSupervisor } from './cell-supervisor.ts';
import type { CellStats, SpanQuery } from './supervised-process.ts';

/** A replica's calls as its process reports them: served and failed since it started, in flight and connections now. */
function callsOf(stats: CellStats): NonNullable<ReplicaStatus['calls']> {
  let served = 0;
  let failed = 0;
  const buckets: number[] = [];
  for (const m of Object.values(stats.methods ?? {})) {
    const errors = Object.values(m.errors).reduce((a, b) => a + b, 0);
    served += m.ok + errors;
    failed += errors;
    m.buckets.forEach((n, i) => (buckets[i] = (buckets[i] ?? 0) + n));
  }
  return { served, failed, inFlight: stats.inFlight, connections: stats.connections, axonConnections: stats.axonConnections ?? 0, buckets };
}

/**
 * What a cell's replicas report: summed for the cell (per dependency the candidates their racers
 * see, per method the calls served), and each replica's own calls.
 */
export async function replicaStats(sup: CellSupervisor): Promise<Pick<CellStatus, 'deps' | 'methods'> & { replicas: Map<string, ReplicaStatus['calls']> }> {
  const processes = sup.processes();
  const reports = await Promise.all(processes.map(({ process }) => process.stats()));
  const replicas = new Map(processes.map(({ id }, i) => [id, reports[i] ? callsOf(reports[i]) : null]));
  return { deps: mergeDependencyStats(reports.map((r) => r?.deps)), methods: mergeMethodStats(reports.map((r) => r?.methods)), replicas };
}

/** `status` with each cell's replica stats filled in (asked of the replicas at once). */
export async function withReplicaStats(status: TreeStatus, sups: readonly CellSupervisor[]): Promise<TreeStatus> {
  const byName = new Map(sups.map((s) => [s.name, s]));
  await Promise.all(
    status.cells.map(async (c) => {
      const sup = byName.get(c.name);
      if (!sup) return;
      const { deps, methods, replicas } = await replicaStats(sup);
      Object.assign(c, { deps, methods });
      for (const r of c.replicas) r.calls = replicas.get(r.id) ?? null;
    }),
  );
  return status;
}

// A cell's (or another node's) answer is checked, not trusted: a span that is not one is dropped, not passed on.
const spanCheck = lazyValidator(Span, 2);
const replicaSpanCheck = lazyValidator(ReplicaSpan, 2);

/** The well-formed spans of a replica's answer, each with its cell and replica. */
export function spansOf(answer: { spans?: unknown }, cell: string, replica: string): ReplicaSpan[] {
  const out: ReplicaSpan[] = [];
  for (const span of Array.isArray(answer.spans) ? (answer.spans as unknown[]) : []) if (spanCheck.check(span)) out.push({ ...(span as Span), cell, replica });
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

/**
 * The tree's spans of one trace (or the newest): its own replicas', and — asked by a whole trace
 * id on a networked tree — those other nodes keep of it, marked with the node that recorded them.
 */
export async function spansOfTree(tree: { allSupervisors(): readonly CellSupervisor[]; remoteSpans(trace: string): Promise<ReplicaSpan[]> }, trace: string | undefined, limit: number): Promise<{ spans: ReplicaSpan[]; unanswered: string[] }> {
  const [local, remote] = await Promise.all([replicaSpans(tree.allSupervisors(), { trace, limit }), trace?.length === 32 ? tree.remoteSpans(trace) : []]);
  if (remote.length === 0) return local;
  const spans = [...local.spans, ...remote.filter((s) => replicaSpanCheck.check(s) && s.trace === trace)].sort((a, b) => a.start - b.start);
  return { spans, unanswered: local.unanswered };
}
