import type { TreeStatus } from '@cell/host';
import { bytes, duration, el, ms, show } from '../dom.ts';

type Cell = TreeStatus['cells'][number];

/** Calls per method summed for a cell: calls, errors, and the mean duration. */
function callsOf(cell: Cell): { calls: number; errors: number; meanMs: number | null } {
  let calls = 0;
  let errors = 0;
  let sumMs = 0;
  for (const m of Object.values(cell.methods)) {
    const failed = Object.values(m.errors).reduce((a, b) => a + b, 0);
    calls += m.ok + failed;
    errors += failed;
    sumMs += m.sumMs;
  }
  return { calls, errors, meanMs: calls === 0 ? null : sumMs / calls };
}

/** The tree: a row per cell (state, version, replicas, calls served), a row per replica under it. */
export function renderTree(target: HTMLElement, status: TreeStatus): void {
  const rows: HTMLElement[] = [];
  for (const cell of status.cells) {
    const ready = cell.replicas.filter((r) => r.state === 'ready').length;
    const calls = callsOf(cell);
    const limits = [cell.limits.memoryBytes === null ? null : `mem ≤ ${bytes(cell.limits.memoryBytes)}`, cell.limits.cpu === null ? null : `cpu ≤ ${cell.limits.cpu}`].filter(Boolean).join(', ');
    rows.push(
      el(
        'tr',
        { class: 'cell', 'data-cell': cell.name },
        el('th', { scope: 'row' }, cell.name),
        el('td', { class: `state-${cell.state}` }, cell.state),
        el('td', { class: 'wide' }, cell.version),
        el('td', { class: 'num' }, cell.state === 'group' ? '–' : `${ready}/${cell.replicasWanted}`),
        el('td', { class: 'num' }, String(calls.calls)),
        el('td', { class: `num${calls.errors > 0 ? ' err' : ''}` }, String(calls.errors)),
        el('td', { class: 'num wide' }, calls.meanMs === null ? '–' : ms(calls.meanMs)),
        el('td', { class: 'wide' }, [limits, cell.failure ?? ''].filter(Boolean).join(' · ')),
      ),
    );
    for (const r of cell.replicas) {
      const facts = [r.pid === null ? null : `pid ${r.pid}`, r.rssBytes === null ? null : bytes(r.rssBytes), `${r.restarts} restart${r.restarts === 1 ? '' : 's'}`, r.uptimeMs === null ? null : `up ${duration(r.uptimeMs)}`, r.calls ? `${r.calls.served} calls, ${r.calls.inFlight} in flight, ${r.calls.connections} connections` : null, r.lastExit ? `last exit: ${r.lastExit.reason}` : null];
      rows.push(el('tr', { class: 'replica', 'data-replica': r.id }, el('td', {}, r.id), el('td', { class: `state-${r.state}` }, r.state), el('td', { colspan: '6', class: 'muted' }, facts.filter(Boolean).join(' · '))));
    }
  }
  const head = el('tr', {}, ...['cell', 'state', 'version', 'replicas', 'calls', 'errors', 'mean', 'limits'].map((h, i) => el('th', { scope: 'col', class: [i >= 3 && i <= 6 ? 'num' : '', i === 2 || i >= 6 ? 'wide' : ''].join(' ').trim() || undefined }, h)));
  show(target, el('h2', {}, 'Cells'), el('div', { class: 'scroll' }, el('table', { id: 'cells' }, el('thead', {}, head), el('tbody', {}, ...rows))));
}
