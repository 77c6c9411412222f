import type { TreeStatus } from '@cell/host';
import type { GraphView, TraceSummary } from '@cell/runtime';
import { byId, duration } from './dom.ts';
import { ApiView } from './views/api-view.ts';
import { renderGraph } from './views/graph-view.ts';
import { LogsView } from './views/logs-view.ts';
import { TracesView } from './views/traces-view.ts';
import { renderTree } from './views/tree-view.ts';

const TABS = ['tree', 'calls', 'traces', 'logs', 'api'] as const;
type Tab = (typeof TABS)[number];

const tabs = TABS.map((t) => byId<HTMLButtonElement>(`tab-${t}`));

/** Shows one view; the tabs follow the WAI-ARIA tabs pattern (arrow keys, Home, End). */
function select(tab: Tab, focus = false): void {
  TABS.forEach((t, i) => {
    const on = t === tab;
    tabs[i]!.setAttribute('aria-selected', String(on));
    tabs[i]!.tabIndex = on ? 0 : -1;
    byId(`view-${t}`).hidden = !on;
  });
  if (focus) tabs[TABS.indexOf(tab)]!.focus();
  history.replaceState(null, '', `/#${tab}`); // also drops a ?token= from the address bar (the cookie carries it now)
}

tabs.forEach((button, i) => {
  button.addEventListener('click', () => select(TABS[i]!));
  button.addEventListener('keydown', (e) => {
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: TABS.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(TABS[(next + TABS.length) % TABS.length]!, true);
  });
});

const traces = new TracesView(byId('view-traces'));
const logs = new LogsView(byId('view-logs'));
const api = new ApiView(byId('view-api'), (trace) => {
  traces.reveal(trace);
  select('traces', true);
});
let cellNames: string[] = [];
let lastGraph: GraphView = { edges: [], dependencies: [] };

function onStatus(status: TreeStatus): void {
  byId('root').textContent = status.root;
  const ready = status.cells.reduce((n, c) => n + c.replicas.filter((r) => r.state === 'ready').length, 0);
  const wanted = status.cells.reduce((n, c) => n + (c.state === 'group' ? 0 : c.replicasWanted), 0);
  byId('summary').textContent = `${status.cells.length} cells · ${ready}/${wanted} replicas ready · nucleus ${status.nucleus.phase}, up ${duration(status.nucleus.uptimeMs)}`;
  renderTree(byId('view-tree'), status);
  cellNames = status.cells.filter((c) => c.state !== 'group').map((c) => c.name);
  logs.cells(cellNames);
  api.cells(status.cells.filter((c) => c.state !== 'group' && c.replicas.some((r) => r.socket !== null)).map((c) => c.name));
  renderGraph(byId('view-calls'), lastGraph, cellNames);
}

/** The live feed: reconnects on its own (the server says after 2 s) when the tree restarts or the network drops. */
function connect(): void {
  const link = byId('link');
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => {
    link.textContent = 'live';
    link.className = 'badge live';
  });
  events.addEventListener('error', () => {
    link.textContent = 'reconnecting';
    link.className = 'badge down';
  });
  events.addEventListener('status', (e) => onStatus(JSON.parse((e as MessageEvent<string>).data) as TreeStatus));
  events.addEventListener('graph', (e) => {
    lastGraph = JSON.parse((e as MessageEvent<string>).data) as GraphView;
    renderGraph(byId('view-calls'), lastGraph, cellNames);
  });
  events.addEventListener('traces', (e) => traces.update((JSON.parse((e as MessageEvent<string>).data) as { traces: TraceSummary[] }).traces));
  events.addEventListener('logs', (e) => {
    const batch = JSON.parse((e as MessageEvent<string>).data) as { lines: string[]; skipped: number };
    logs.add(batch.lines, batch.skipped);
  });
}

const fromHash = location.hash.slice(1) as Tab;
select(TABS.includes(fromHash) ? fromHash : 'tree');
connect();
