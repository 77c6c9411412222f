import type { ReplicaSpan } from '@cell/host';
import type { TraceSummary } from '@cell/runtime';
import { color } from './cli-error.ts';

const clock = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 23);
const ms = (value: number) => `${value.toFixed(2)} ms`;
const outcomeText = (outcome: string) => (outcome === 'ok' ? color('green', 'ok') : color('red', outcome));

/** The newest traces, one line each: when, id, root call, spans, duration, errors. */
export function renderTraceList(traces: readonly TraceSummary[]): string[] {
  if (traces.length === 0) return ['no spans kept yet: call a cell of the tree, then look again'];
  const lines = [color('gray', `${'time (UTC)'.padEnd(12)}  ${'trace'.padEnd(32)}  ${'root call'.padEnd(28)}  spans  ${'duration'.padStart(11)}  outcome`)];
  for (const t of traces) {
    const root = t.roots[0]!;
    const errors = t.errors > 0 ? color('red', ` (${t.errors} error${t.errors === 1 ? '' : 's'})`) : '';
    lines.push(`${clock(t.start)}  ${t.trace}  ${`${root.cell}.${root.method}`.padEnd(28)}  ${String(t.spans.length).padStart(5)}  ${ms(t.durationMs).padStart(11)}  ${outcomeText(root.outcome)}${errors}`);
  }
  return lines;
}

/** One trace as a tree of calls: offset from its start, duration, cell.method, outcome, replica, caller node. */
export function renderTrace(t: TraceSummary): string[] {
  const cells = new Set(t.spans.map((s) => s.cell)).size;
  const head = `trace ${t.trace} · ${new Date(t.start).toISOString()} · ${t.spans.length} span${t.spans.length === 1 ? '' : 's'} in ${cells} cell${cells === 1 ? '' : 's'} · ${ms(t.durationMs)}`;
  const lines = [head, '', color('gray', `${'start'.padStart(10)}  ${'duration'.padStart(11)}  call`)];
  const children = Map.groupBy(
    t.spans.filter((s) => s.parent !== undefined && !t.roots.includes(s)),
    (s) => s.parent!,
  );
  const drawn = new Set<ReplicaSpan>(); // each span once, even if spans claim each other as parents
  const walk = (s: ReplicaSpan, prefix: string, branch: string) => {
    if (drawn.has(s)) return;
    drawn.add(s);
    const where = color('gray', `${s.replica}${s.recordedBy ? ` on node ${s.recordedBy.slice(0, 16)}…` : ''}${s.node ? ` ← node ${s.node.slice(0, 16)}…` : ''}`);
    lines.push(`${`+${(s.start - t.start).toFixed(2)}`.padStart(10)}  ${ms(s.durationMs).padStart(11)}  ${prefix}${branch}${s.cell}.${s.method}  ${outcomeText(s.outcome)}  ${where}`);
    const kids = children.get(s.span) ?? [];
    const inner = prefix + (branch === '' ? '' : branch === '└─ ' ? '   ' : '│  ');
    kids.forEach((k, i) => walk(k, inner, i === kids.length - 1 ? '└─ ' : '├─ '));
  };
  t.roots.forEach((root, i) => {
    if (i > 0 && root.parent !== undefined) lines.push(color('gray', `${' '.repeat(25)}(made by span ${root.parent}: on another node, or no longer kept)`));
    walk(root, '', '');
  });
  return lines;
}
