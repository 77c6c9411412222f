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
}

/** The rows of a status: every replica of every cell (groups have none). */
export function topRows(status: TreeStatus, cpuPercentOf: (pid: number) => number | null): TopRow[] {
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
  { title: 'REPLICA', width: 24, value: (r) => r.replica },
  { title: 'STATE', width: 9, value: (r) => r.state },
  { title: 'PID', width: 8, right: true, value: (r) => (r.pid === null ? '-' : String(r.pid)) },
  { title: 'CPU%', width: 6, right: true, value: (r) => (r.cpuPercent === null ? '-' : r.cpuPercent.toFixed(1)) },
  { title: 'MEM', width: 9, right: true, value: (r) => (r.rssBytes === null ? '-' : `${(r.rssBytes / 2 ** 20).toFixed(1)}M`) },
  { title: 'RESTARTS', width: 8, right: true, value: (r) => String(r.restarts) },
  { title: 'UP', width: 9, right: true, value: (r) => (r.uptimeMs === null ? '-' : formatMs(r.uptimeMs)) },
];

function cells(values: string[]): string {
  return COLUMNS.map((c, i) => {
    const v = values[i]!.length > c.width ? `${values[i]!.slice(0, c.width - 1)}…` : values[i]!;
    return c.right ? v.padStart(c.width) : v.padEnd(c.width);
  }).join(' ');
}

/** One cell's calls between two frames, or (with `replica`) one replica's. */
export interface CallRow {
  cell: string;
  /** Set on a replica's row (its id); the cell's own row has none. */
  replica?: string;
  /** Calls in flight now (a replica's row, when its process says). */
  inFlight?: number | null;
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

/** Rates and percentiles between two totals `seconds` apart; totals that fell (a restart) count from zero. */
function between(prev: Totals | undefined, cur: Totals, seconds: number): Pick<CallRow, 'callsPerSecond' | 'errorsPerSecond' | 'p50Ms' | 'p99Ms'> {
  const base = prev && prev.calls <= cur.calls ? prev : { calls: 0, errors: 0, buckets: cur.buckets.map(() => 0) };
  const calls = cur.calls - base.calls;
  const delta = cur.buckets.map((n, i) => n - (base.buckets[i] ?? 0));
  return { callsPerSecond: seconds > 0 ? calls / seconds : 0, errorsPerSecond: seconds > 0 ? (cur.errors - base.errors) / seconds : 0, p50Ms: quantileMs(delta, calls, 0.5), p99Ms: quantileMs(delta, calls, 0.99) };
}

/** A replica's totals as its process reported them (the same process in both statuses, or none). */
function replicaTotals(r: ReplicaStatus | undefined, pid: number | null): Totals | undefined {
  return r?.calls && r.pid === pid ? { calls: r.calls.served, errors: r.calls.failed, buckets: r.calls.buckets } : undefined;
}

/**
 * Calls per second, errors per second and latency percentiles of each cell that serves calls,
 * busiest first, each followed by its replicas' when it runs more than one, between two statuses
 * `seconds` apart (counts that fell — a restart — count from zero).
 */
export function callRows(before: TreeStatus | undefined, now: TreeStatus, seconds: number): CallRow[] {
  const earlier = new Map(before?.cells.map((c) => [c.name, c]));
  const cells = now.cells
    .filter((c) => Object.keys(c.methods).length > 0)
    .map((c) => {
      const prev = earlier.get(c.name);
      const row: CallRow = { cell: c.name, ...between(prev ? totals(prev.methods) : undefined, totals(c.methods), seconds) };
      const replicas: CallRow[] =
        c.replicas.length < 2
          ? []
          : c.replicas.flatMap((r) => {
              const cur = replicaTotals(r, r.pid);
              if (!cur) return [];
              const was = replicaTotals(prev?.replicas.find((p) => p.id === r.id), r.pid);
              return [{ cell: c.name, replica: r.id, inFlight: r.calls?.inFlight ?? null, ...between(was, cur, seconds) }];
            });
      return { row, replicas };
    })
    .sort((a, b) => b.row.callsPerSecond - a.row.callsPerSecond || a.row.cell.localeCompare(b.row.cell));
  return cells.flatMap(({ row, replicas }) => [row, ...replicas]);
}

const ms = (v: number | null) => (v === null ? '-' : v === Infinity ? '>10s' : `≤${v}ms`);

/** The calls table under the replicas: one line per cell that serves calls, its replicas' indented under it. */
export function renderCalls(rows: CallRow[]): string[] {
  if (rows.length === 0) return [];
  const name = (r: CallRow) => (r.replica === undefined ? r.cell : `  ${r.replica}`);
  const inFlight = (r: CallRow) => (r.replica === undefined || r.inFlight === null || r.inFlight === undefined ? '' : String(r.inFlight));
  return [
    '',
    `${'CELL'.padEnd(24)} ${'CALLS/S'.padStart(9)} ${'ERRORS/S'.padStart(9)} ${'P50'.padStart(9)} ${'P99'.padStart(9)} ${'INFL'.padStart(5)}`,
    ...rows.map((r) => `${name(r).padEnd(24)} ${r.callsPerSecond.toFixed(1).padStart(9)} ${r.errorsPerSecond.toFixed(1).padStart(9)} ${ms(r.p50Ms).padStart(9)} ${ms(r.p99Ms).padStart(9)} ${inFlight(r).padStart(5)}`.trimEnd()),
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
