import type { CellStatus, ReplicaStatus, TreeStatus } from '@cell/host';

type ReplicaExit = NonNullable<ReplicaStatus['lastExit']>;
import { color } from './cli-error.ts';

const STATE_COLOR: Record<string, Parameters<typeof color>[0]> = {
  ready: 'green',
  degraded: 'yellow',
  starting: 'cyan',
  building: 'cyan',
  backoff: 'yellow',
  idle: 'blue',
  failed: 'red',
  stopping: 'magenta',
  stopped: 'gray',
  group: 'gray',
};

function paint(state: string): string {
  return color(STATE_COLOR[state] ?? 'bold', state.padEnd(9));
}

/**
 * What to show of why a process ended: the line the nucleus found to say why (`cause`, e.g.
 * `Error: listen EADDRINUSE 127.0.0.1:8080`); without one, the last error message of its log
 * tail and its last line.
 */
export function explain(lastExit: Pick<ReplicaExit, 'cause' | 'logTail'>): string[] {
  if (lastExit.cause) return [lastExit.cause];
  const tail = lastExit.logTail;
  const error = tail.findLast((l) => /(^|\s)(\w*Error|Exception|FATAL)\b[:\s]/.test(l) && !/^\s*at /.test(l));
  const last = tail.at(-1);
  return [...new Set([error, last].filter((l): l is string => Boolean(l)))];
}

/** Human form of a duration: 850ms, 12s, 3m 5s, 2h 1m. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function formatBytes(bytes: number | null): string {
  return bytes === null ? '' : `${Math.round(bytes / 2 ** 20)} MiB`;
}

function cellLine(c: CellStatus, versionWidth: number): string {
  const ready = c.replicas.filter((r) => r.state === 'ready').length;
  const parts = [color('gray', c.version.padEnd(versionWidth)), paint(c.state)];
  if (c.state !== 'group') parts.push(`${ready}/${c.replicasWanted}`.padEnd(5));
  if (c.state === 'idle' && c.idleTimeoutMs) parts.push(color('gray', `(exited after ${formatMs(c.idleTimeoutMs)} idle; starts on the next call)`));
  if (c.failure) parts.push(color('red', c.failure));
  if (c.limits.warning) parts.push(color('yellow', '(limits not enforced)'));
  return parts.join(' ');
}

/**
 * The tree as lines: cells nested under their parents with state and ready replicas, and with
 * `replicas` also one line per replica (pid, restarts, uptime, RSS, socket, last exit).
 */
export function renderTree(status: TreeStatus, options: { replicas: boolean }): string[] {
  const byParent = new Map<string | null, CellStatus[]>();
  for (const c of status.cells) byParent.set(c.parent, [...(byParent.get(c.parent) ?? []), c]);
  const names = status.cells.flatMap((c) => [c.name, ...(options.replicas ? c.replicas.map((r) => `${r.id}    `) : [])]);
  const width = Math.max(...names.map((n) => n.length)) + 6;
  const versionWidth = Math.max(0, ...status.cells.map((c) => c.version.length));
  const lines: string[] = [];
  const walk = (c: CellStatus, prefix: string, last: boolean, top: boolean) => {
    const branch = top ? '' : last ? '└─ ' : '├─ ';
    lines.push(`${prefix}${branch}${color('bold', c.name)}${' '.repeat(Math.max(1, width - prefix.length - branch.length - c.name.length))}${cellLine(c, versionWidth)}`);
    const childPrefix = top ? prefix : prefix + (last ? '   ' : '│  ');
    if (options.replicas) {
      for (const r of c.replicas) {
        const bits = [
          paint(r.state),
          r.pid ? `pid ${r.pid}` : '',
          `restarts ${r.restarts}`,
          r.uptimeMs !== null ? `up ${formatMs(r.uptimeMs)}` : '',
          formatBytes(r.rssBytes),
          color('gray', r.socket ?? Object.entries(r.ports).map(([name, port]) => `${name} :${port}`).join(', ')),
        ].filter(Boolean);
        lines.push(`${childPrefix}${color('gray', '· ')}${r.id.padEnd(Math.max(r.id.length + 1, width - childPrefix.length - 2))}${bits.join('  ')}`);
        if (r.lastExit && r.state !== 'ready') {
          const exit = `last exit: ${r.lastExit.reason} (${r.lastExit.signal ?? `code ${r.lastExit.code}`}) ${formatMs(Date.now() - r.lastExit.at)} ago`;
          lines.push(`${childPrefix}    ${color('gray', exit)}`);
          for (const l of explain(r.lastExit)) lines.push(`${childPrefix}      ${color('gray', l.slice(0, 160))}`);
        }
      }
    }
    const kids = byParent.get(c.name) ?? [];
    kids.forEach((k, i) => walk(k, childPrefix, i === kids.length - 1, false));
  };
  for (const top of byParent.get(null) ?? []) walk(top, '', true, true);
  return lines;
}
