import { loadCellTree } from '@cell/config';
import { formatChange } from '@cell/contract';
import { type CheckedEdge, checkTree } from '@cell/runtime';

/** `cell check [dir]`: every dependency edge, locked genome against the producer's new one. */
export async function checkCommand(dir: string): Promise<CheckedEdge[]> {
  return checkTree(loadCellTree(dir));
}

/** The report for people, grouped by producer: what breaks which consumer, at which path. */
export function formatCheck(edges: CheckedEdge[]): string {
  if (edges.length === 0) return 'no dependencies between the cells of this tree';
  const lines: string[] = [];
  const byProducer = new Map<string, CheckedEdge[]>();
  for (const e of edges) byProducer.set(e.producer, [...(byProducer.get(e.producer) ?? []), e]);
  for (const [producer, list] of byProducer) {
    const current = list[0]!.current;
    lines.push(`${producer} ${current ? `${current.version} (${current.source})` : '(genome unknown)'}`);
    for (const e of list) {
      const verdict = !e.locked ? 'not locked yet' : e.report.breaking.length > 0 ? 'BREAKING' : e.report.compatible.length > 0 ? 'compatible' : 'unchanged';
      lines.push(`  ${e.consumer} (as "${e.dep}", locked ${e.locked?.version ?? '-'}): ${verdict}`);
      for (const c of e.report.breaking) lines.push(`    ✗ ${formatChange(c)}`);
      for (const c of e.report.compatible) lines.push(`    ✓ ${formatChange(c)}`);
    }
  }
  return lines.join('\n');
}
