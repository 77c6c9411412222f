import type { ReplicaSpan } from '@cell/host';
import type { TraceSummary } from '@cell/runtime';
import { clock, el, ms, show } from '../dom.ts';

const outcome = (o: string) => el('span', { class: o === 'ok' ? 'ok' : 'err' }, o);

/** One span and, nested under it, the calls its handler made (each span once: `drawn` guards against spans that claim each other as parents). */
function spanTree(s: ReplicaSpan, t: TraceSummary, children: Map<string, ReplicaSpan[]>, drawn = new Set<ReplicaSpan>()): HTMLElement {
  drawn.add(s);
  const kids = (children.get(s.span) ?? []).filter((k) => !drawn.has(k));
  return el(
    'li',
    { 'data-span': s.span },
    el('span', { class: 'mono muted' }, `+${(s.start - t.start).toFixed(2)} ms `),
    el('strong', {}, `${s.cell}.${s.method}`),
    ' ',
    outcome(s.outcome),
    el('span', { class: 'muted' }, ` ${ms(s.durationMs)} · ${s.replica}${s.recordedBy ? ` on node ${s.recordedBy.slice(0, 16)}…` : ''}${s.caller ? ` · from ${s.caller}` : ''}`),
    kids.length > 0 ? el('ul', { class: 'tree' }, ...kids.map((k) => spanTree(k, t, children, drawn))) : null,
  );
}

/** The recent requests, newest first; the open one drawn as the tree of its calls. */
export class TracesView {
  private traces: TraceSummary[] = [];
  private open: string | undefined;
  private readonly target: HTMLElement;

  constructor(target: HTMLElement) {
    this.target = target;
  }

  /** Opens one trace (from the API tab: the call just made). */
  reveal(trace: string): void {
    this.open = trace;
    this.render();
  }

  update(traces: TraceSummary[]): void {
    this.traces = traces;
    this.render();
  }

  private render(): void {
    const newestFirst = [...this.traces].reverse();
    const rows = newestFirst.map((t) => {
      const root = t.roots[0]!;
      const toggle = () => {
        this.open = this.open === t.trace ? undefined : t.trace;
        this.render();
        (this.target.querySelector(`[data-trace="${t.trace}"]`) as HTMLElement | null)?.focus();
      };
      const row = el(
        'tr',
        { class: 'trace-row', tabindex: '0', 'data-trace': t.trace, 'aria-expanded': String(this.open === t.trace) },
        el('td', { class: 'mono' }, clock(t.start)),
        el('td', {}, `${root.cell}.${root.method}`),
        el('td', { class: 'num' }, String(t.spans.length)),
        el('td', { class: 'num' }, ms(t.durationMs)),
        el('td', {}, outcome(root.outcome), t.errors > 0 ? el('span', { class: 'err' }, ` (${t.errors} failed)`) : null),
        el('td', { class: 'mono muted wide' }, t.trace),
      );
      row.addEventListener('click', toggle);
      row.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          toggle();
        }
      });
      return row;
    });
    const opened = this.traces.find((t) => t.trace === this.open);
    let detail: HTMLElement | null = null;
    if (opened) {
      const children = Map.groupBy(
        opened.spans.filter((s) => s.parent !== undefined && !opened.roots.includes(s)),
        (s) => s.parent!,
      );
      detail = el('div', { id: 'trace-detail' }, el('h2', {}, `Trace ${opened.trace}`), el('ul', { class: 'tree top' }, ...opened.roots.map((r) => spanTree(r, opened, children))));
    }
    const head = el('tr', {}, ...['time', 'root call', 'spans', 'duration', 'outcome', 'trace'].map((h, i) => el('th', { scope: 'col', class: i === 2 || i === 3 ? 'num' : i === 5 ? 'wide' : undefined }, h)));
    show(
      this.target,
      el('h2', {}, 'Recent requests'),
      rows.length === 0 ? el('p', { class: 'muted' }, 'No calls kept yet.') : el('div', { class: 'scroll' }, el('table', { id: 'traces' }, el('thead', {}, head), el('tbody', {}, ...rows))),
      detail,
    );
  }
}
