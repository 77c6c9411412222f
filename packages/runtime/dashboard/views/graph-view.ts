import type { GraphView } from '@cell/runtime';
import { el, show, svg } from '../dom.ts';

const NODE_W = 130;
const NODE_H = 32;
const COL_GAP = 140;
const ROW_GAP = 30;
const OUTSIDE_PREFIX = /^(outside|node )/;

/**
 * Columns by depth: callers from outside first, then each cell one column right of the deepest
 * cell that depends on or calls it. Bounded: a cycle of calls stops deepening after as many steps as there are cells.
 */
function columns(cells: string[], view: GraphView): Map<string, number> {
  const col = new Map<string, number>(cells.map((c) => [c, OUTSIDE_PREFIX.test(c) ? 0 : 1]));
  const links = [...view.dependencies, ...view.edges.filter((e) => !OUTSIDE_PREFIX.test(e.from))];
  for (let round = 0; round < cells.length; round++) {
    let moved = false;
    for (const { from, to } of links) {
      const want = (col.get(from) ?? 1) + 1;
      if (from !== to && (col.get(to) ?? 1) < want) {
        col.set(to, want);
        moved = true;
      }
    }
    if (!moved) break;
  }
  return col;
}

/** Who calls whom in the last minute, drawn (calls per second and failed calls on each arrow) and listed in a table. */
export function renderGraph(target: HTMLElement, view: GraphView, cellNames: string[]): void {
  const names = [...new Set([...view.edges.map((e) => e.from), ...cellNames, ...view.edges.map((e) => e.to)])];
  const raw = columns(names, view);
  const first = Math.min(...raw.values());
  const col = new Map([...raw].map(([n, c]) => [n, c - first]));
  const byCol = new Map<number, string[]>();
  for (const n of names) byCol.set(col.get(n)!, [...(byCol.get(col.get(n)!) ?? []), n]);
  const pos = new Map<string, { x: number; y: number }>();
  const maxCol = Math.max(0, ...byCol.keys());
  for (const [c, list] of byCol) list.forEach((n, i) => pos.set(n, { x: 20 + c * (NODE_W + COL_GAP), y: 20 + i * (NODE_H + ROW_GAP) }));
  const height = 40 + Math.max(1, ...[...byCol.values()].map((l) => l.length)) * (NODE_H + ROW_GAP);
  const width = 40 + (maxCol + 1) * (NODE_W + COL_GAP);
  const arrow = (from: string, to: string, cls: string) => {
    const a = pos.get(from)!;
    const b = pos.get(to)!;
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x;
    const y2 = b.y + NODE_H / 2;
    const bend = Math.max(30, Math.abs(x2 - x1) / 2);
    return svg('path', { class: cls, d: `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`, 'marker-end': 'url(#head)' });
  };
  const g = svg('svg', { class: 'graph', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'calls between cells in the last minute' });
  g.append(svg('defs', {}, svg('marker', { id: 'head', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#6cb6ff' }))));
  const called = new Set(view.edges.map((e) => `${e.from}\0${e.to}`));
  for (const d of view.dependencies) if (!called.has(`${d.from}\0${d.to}`) && pos.has(d.from) && pos.has(d.to)) g.append(arrow(d.from, d.to, 'dep'));
  const labelsAt = new Map<string, number>();
  for (const e of view.edges) {
    g.append(arrow(e.from, e.to, e.errors > 0 ? 'edge failing' : 'edge'));
    const b = pos.get(e.to)!;
    const k = labelsAt.get(e.to) ?? 0;
    labelsAt.set(e.to, k + 1);
    const label = `${e.perSecond}/s${e.errors > 0 ? ` · ${e.errors} failed` : ''}`;
    // Beside the arrow's head: each target is its own row, so labels do not cross other arrows.
    g.append(svg('text', { class: 'label', x: b.x - 10, y: b.y + NODE_H / 2 - 7 - 13 * k, 'text-anchor': 'end' }, label));
  }
  for (const [n, p] of pos) {
    g.append(svg('g', { class: `node${OUTSIDE_PREFIX.test(n) ? ' outside' : ''}`, 'data-cell': n }, svg('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 6 }), svg('text', { x: p.x + NODE_W / 2, y: p.y + NODE_H / 2 + 4, 'text-anchor': 'middle' }, n)));
  }
  const rows = view.edges.map((e) =>
    el('tr', { 'data-edge': `${e.from}->${e.to}` }, el('td', {}, e.from), el('td', {}, e.to), el('td', { class: 'num' }, String(e.calls)), el('td', { class: 'num' }, String(e.perSecond)), el('td', { class: `num${e.errors > 0 ? ' err' : ''}` }, String(e.errors))),
  );
  const table = el('table', { id: 'edges' }, el('thead', {}, el('tr', {}, ...['from', 'to', 'calls', 'per second', 'failed'].map((h, i) => el('th', { scope: 'col', class: i >= 2 ? 'num' : undefined }, h)))), el('tbody', {}, ...rows));
  show(target, el('h2', {}, 'Calls in the last minute'), g, rows.length === 0 ? el('p', { class: 'muted' }, 'No calls yet: call a method (the API tab) and watch it appear.') : el('div', { class: 'scroll' }, table), el('p', { class: 'muted' }, 'Dashed: declared dependencies ([deps]) with no calls in the last minute.'));
}
