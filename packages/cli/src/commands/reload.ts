import { type ConsumersReload, reloadCell, reloadWithConsumers } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/** What `cell reload` did to the cell itself. */
export type CellReload = { replaced: number; rebuilt: boolean; keptMajor: number | null };

/** `cell reload <cell-dir>`: rebuilds the cell and replaces its replicas one by one, dropping no call. */
export function reloadCommand(dirArg: string | undefined, options?: { typecheck?: boolean }): Promise<CellReload>;
/**
 * `cell reload <cell-dir> --with-consumers`: moves the cell's consumers in the tree onto its new
 * genome with it (bindings and cell.lock from its source, each built), then reloads it, then them.
 */
export function reloadCommand(dirArg: string | undefined, options: { withConsumers: true }): Promise<ConsumersReload>;
export function reloadCommand(dirArg: string | undefined, options: { withConsumers?: boolean; typecheck?: boolean } = {}): Promise<CellReload | ConsumersReload> {
  const dir = cellDir(dirArg);
  return options.withConsumers ? reloadWithConsumers(dir) : reloadCell(dir, { typecheck: options.typecheck !== false });
}

/** The human form of what a reload did. */
export function formatReload(r: CellReload): string {
  return `${r.rebuilt ? 'rebuilt' : 'build unchanged'}; replaced ${r.replaced} replica${r.replaced === 1 ? '' : 's'}${r.keptMajor !== null ? `; major ${r.keptMajor} keeps running beside it for its consumers` : ''}`;
}

/** The human form of a reload with consumers: the producer first, then each consumer, in the order they were reloaded. */
export function formatConsumersReload(r: ConsumersReload): string {
  const lines = [`${r.producer.cell} ${r.producer.version}: ${formatReload(r.producer)}`];
  for (const c of r.consumers) lines.push(`${c.cell}: ${formatReload({ ...c, keptMajor: null })}`);
  if (r.consumers.length === 0) lines.push('(no cell of the tree depends on it)');
  return lines.join('\n');
}
