import type { CellStatus, ReplicaStatus, TreeStatus } from '@cell/host';
import { DURATION_BUCKETS_MS } from '@cell/runtime';
import { formatMs } from './tree-view.ts';

/** What `cell top` sorts its rows by, and the key that picks it. */
export const TOP_SORTS = { c: 'cpu', m: 'memory', r: 'restarts', u: 'uptime', n: 'name' } as const;
export type TopSort = (typeof TOP_SORTS)[keyof typeof TOP_SORTS];

/** One replica as `cell top` shows it. */
export interface TopRow {
  cell: string;
  replica: string;
  state: string;
  pid: number | null;
  /** Percent of one CPU since the previous frame; null before there is one. */
  cpuPercent: number | null;
  rssBytes: number | null;
  restarts: number;
  uptimeMs: number | null;
  /** Calls served per second since the previous frame; null before there is one (or for a process cell). */
  callsPerSecond: number | null;
  /** Calls being handled now; null when the process does not say (a process cell). */
  inFlight: number | null;
}

/**
 * The rows of a status: every replica of every cell (groups have none), its calls per second
 * against `before`, `seconds` earlier (a new process of the replica counts from zero).
 */
export function topRows(status: TreeStatus, cpuPercentOf: (pid: number) => number | null, before?: TreeStatus, seconds = 0): TopRow[] {
  const earlier = new Map(before?.cells.flatMap((c) => c.replicas.map((r) => [r.id, r] as const)));
  const rateOf = (r: ReplicaStatus): number | null => {
    const prev = earlier.get(r.id);
    if (!r.calls || !prev?.calls || seconds <= 0) return null;
    const base = prev.pid === r.pid && prev.calls.served <= r.calls.served ? prev.calls.served : 0;
    return (r.calls.served - base) / seconds;
  };
  return status.cells.flatMap((c) =>
    c.replicas.map((r) => ({
      cell: c.name,
      replica: r.id,
      state: r.state,
      pid: r.pid,
      cpuPercent: r.pid === null ? null : cpuPercentOf(r.pid),
      rssBytes: r.rssBytes,
      restarts: r.restarts,
      uptimeMs: r.uptimeMs,
      callsPerSecond: rateOf(r),
      inFlight: r.calls?.inFlight ?? null,
    })),
  );
}

const byName = (a: TopRow, b: TopRow) => a.replica.localeCompare(b.replica, 'en', { numeric: true });
const ORDER: Record<TopSort, (a: TopRow, b: TopRow) => number> = {
  cpu: (a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1) || byName(a, b),
  memory: (a, b) => (b.rssBytes ?? -1) - (a.rssBytes ?? -1) || byName(a, b),
  restarts: (a, b) => b.restarts - a.restarts || byName(a, b),
  uptime: (a, b) => (b.uptimeMs ?? -1) - (a.uptimeMs ?? -1) || byName(a, b),
  name: byName,
};

const COLUMNS: Array<{ title: string; width: number; right?: boolean; value: (r: TopRow) => string }> = [
  // 80 columns in all: a terminal of the classic width shows every one.
  { title: 'REPLICA', width: 17, value: (r) => r.replica },
  { title: 'STATE', width: 8, value: (r) => r.state },
  { title: 'PID', width: 7, right: true, value: (r) => (r.pid === null ? '-' : String(r.pid)) },
  { title: 'CPU%', width: 6, right: true, value: (r) => (r.cpuPercent === null ? '-' : r.cpuPercent.toFixed(1)) },
  { title: 'MEM', width: 8, right: true, value: (r) => (r.rssBytes === null ? '-' : `${(r.rssBytes / 2 ** 20).toFixed(1)}M`) },
  { title: 'RESTARTS', width: 8, right: true, value: (r) => String(r.restarts) },
  { title: 'UP', width: 7, right: true, value: (r) => (r.uptimeMs === null ? '-' : formatMs(r.uptimeMs)) },
  { title: 'CALLS/S', width: 7, right: true, value: (r) => (r.callsPerSecond === null ? '-' : r.callsPerSecond.toFixed(1)) },
  { title: 'INFL', width: 4, right: true, value: (r) => (r.inFlight === null ? '-' : String(r.inFlight)) },
];

function cells(values: string[]): string {
  return COLUMNS.map((c, i) => {
    const v = values[i]!.length > c.width ? `${values[i]!.slice(0, c.width - 1)}…` : values[i]!;
    return c.right ? v.padStart(c.width) : v.padEnd(c.width);
  }).join(' ');
}

/** One cell's calls between two frames. */
export interface CallRow {
  cell: string;
  callsPerSecond: number;
  errorsPerSecond: number;
  /** Upper bound (ms) of the duration bucket holding the median / 99th percentile; null without calls. */
  p50Ms: number | null;
  p99Ms: number | null;
}

type Totals = { calls: number; errors: number; buckets: number[] };

function totals(methods: CellStatus['methods']): Totals {
  const t: Totals = { calls: 0, errors: 0, buckets: Array<number>(DURATION_BUCKETS_MS.length + 1).fill(0) };
  for (const m of Object.values(methods)) {
    const errors = Object.values(m.errors).reduce((a, b) => a + b, 0);
    t.calls += m.ok + errors;
    t.errors += errors;
    m.buckets.forEach((n, i) => (t.buckets[i]! += n));
  }
  return t;
}

/** The bucket bound under which a `q` share of `count` calls fell (Infinity: slower than every bound). */
function quantileMs(buckets: number[], count: number, q: number): number | null {
  if (count <= 0) return null;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i]!;
    if (seen >= q * count) return DURATION_BUCKETS_MS[i] ?? Infinity;
  }
  return Infinity;
}

/** Calls per second, errors per second and latency percentiles of each cell that serves calls, between two statuses `seconds` apart (a cell whose counts fell — a restart — counts from zero). */
export function callRows(before: TreeStatus | undefined, now: TreeStatus, seconds: number): CallRow[] {
  const earlier = new Map(before?.cells.map((c) => [c.name, totals(c.methods)]));
  return now.cells
    .filter((c) => Object.keys(c.methods).length > 0)
    .map((c) => {
      const cur = totals(c.methods);
      const prev = earlier.get(c.name);
      const base = prev && prev.calls <= cur.calls ? prev : { calls: 0, errors: 0, buckets: cur.buckets.map(() => 0) };
      const calls = cur.calls - base.calls;
      const delta = cur.buckets.map((n, i) => n - (base.buckets[i] ?? 0));
      return {
        cell: c.name,
        callsPerSecond: seconds > 0 ? calls / seconds : 0,
        errorsPerSecond: seconds > 0 ? (cur.errors - base.errors) / seconds : 0,
        p50Ms: quantileMs(delta, calls, 0.5),
        p99Ms: quantileMs(delta, calls, 0.99),
      };
    })
    .sort((a, b) => b.callsPerSecond - a.callsPerSecond || a.cell.localeCompare(b.cell));
}

const ms = (v: number | null) => (v === null ? '-' : v === Infinity ? '>10s' : `≤${v}ms`);

/** The calls table under the replicas: one line per cell that serves calls. */
export function renderCalls(rows: CallRow[]): string[] {
  if (rows.length === 0) return [];
  return [
    '',
    `${'CELL'.padEnd(24)} ${'CALLS/S'.padStart(9)} ${'ERRORS/S'.padStart(9)} ${'P50'.padStart(9)} ${'P99'.padStart(9)}`,
    ...rows.map((r) => `${r.cell.padEnd(24)} ${r.callsPerSecond.toFixed(1).padStart(9)} ${r.errorsPerSecond.toFixed(1).padStart(9)} ${ms(r.p50Ms).padStart(9)} ${ms(r.p99Ms).padStart(9)}`),
  ];
}

/** One frame of `cell top`: a header, the column titles, one line per replica (sorted), cut to `width` x `height`. */
export function renderTop(status: TreeStatus, rows: TopRow[], sort: TopSort, size: { width: number; height: number }, now = new Date(), calls: CallRow[] = []): string[] {
  const keys = Object.entries(TOP_SORTS)
    .map(([k, s]) => (s === sort ? `[${k}]${s}` : `${k} ${s}`))
    .join('  ');
  const ready = rows.filter((r) => r.state === 'ready').length;
  const lines = [
    `cell top · ${status.root} · ${now.toISOString().slice(11, 19)} · ${ready}/${rows.length} replicas ready · sort: ${sort}`,
    `keys: ${keys}  q quit`,
    '',
    cells(COLUMNS.map((c) => c.title)),
    ...[...rows].sort(ORDER[sort]).map((r) => cells(COLUMNS.map((c) => c.value(r)))),
    ...renderCalls(calls),
  ];
  return lines.slice(0, Math.max(1, size.height - 1)).map((l) => (l.length > size.width ? l.slice(0, size.width) : l));
}
