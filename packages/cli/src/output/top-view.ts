import type { TreeStatus } from '@cell/host';
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

/** One frame of `cell top`: a header, the column titles, one line per replica (sorted), cut to `width` x `height`. */
export function renderTop(status: TreeStatus, rows: TopRow[], sort: TopSort, size: { width: number; height: number }, now = new Date()): string[] {
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
  ];
  return lines.slice(0, Math.max(1, size.height - 1)).map((l) => (l.length > size.width ? l.slice(0, size.width) : l));
}
