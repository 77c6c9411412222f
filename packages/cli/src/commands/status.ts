import type { TreeStatus } from '@cell/host';
import { treeStatus } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';
import { formatMs, renderTree } from '../output/tree-view.ts';

/** `cell status [dir]`: the running tree, per replica (pid, state, restarts, uptime, RSS, socket). */
export function statusCommand(dirArg: string | undefined): Promise<TreeStatus> {
  return treeStatus(cellDir(dirArg));
}

/** The human form of `cell status`. */
export function formatStatus(status: TreeStatus): string {
  const spare = status.nucleus.sparePid === undefined ? '' : ` · spare pid ${status.nucleus.sparePid}`;
  const head = `tree ${status.root} · nucleus pid ${status.nucleus.pid} · up ${formatMs(status.nucleus.uptimeMs)}${spare}`;
  const lines = [head, '', ...renderTree(status, { replicas: true })];
  if (status.gateway) lines.push('', `gateway ${status.gateway.url} (${status.gateway.cells.join(', ')}; OpenAPI at ${status.gateway.url}/openapi.json)`);
  if (status.metrics) lines.push(`metrics ${status.metrics.url}`);
  if (status.dashboard) lines.push(`dashboard ${status.dashboard.url}`);
  const net = status.network;
  if (net) {
    lines.push('', `node ${net.node} · directory ${net.directory.join(', ')} · ${net.peers} peer${net.peers === 1 ? '' : 's'}`);
    for (const k of net.known) lines.push(`  knows ${k.node} (${k.via}, ${formatMs(k.ageMs)} ago): ${k.cells.join(', ') || 'no cells'}`);
  }
  for (const cell of status.cells) {
    for (const [dep, candidates] of Object.entries(cell.deps)) {
      if (candidates.length === 0) continue;
      lines.push('', `${cell.name} -> ${dep}: ${candidates.length} candidate${candidates.length === 1 ? '' : 's'}`);
      for (const c of candidates) {
        const where = c.local ? 'local ' : 'remote';
        const latency = c.latencyMs === null ? '      -' : `${c.latencyMs.toFixed(3).padStart(7)} ms`;
        const score = c.score === null ? '-' : c.score.toFixed(3);
        lines.push(`  ${where} ${latency}  score ${score.padStart(8)}  ${String(Math.round(c.share * 100)).padStart(3)}% of ${c.calls} calls  ${c.connected ? '' : '(not connected) '}${c.endpoint}`);
      }
    }
  }
  return lines.join('\n');
}
