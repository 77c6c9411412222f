import { CellError } from '@cell/protocol';
import { loadCellTree } from '@cell/config';
import { readNucleusPointer, replicaSocketPaths } from '@cell/host';
import { connectDynamic } from '@cell/sdk';
import { buildCell, startStandaloneCell } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

const STANDALONE_START_MS = 30_000;

/**
 * `cell call <cell-dir> <method> [json]`: calls a method of a local cell and returns the result.
 * A cell of a running tree is started by its nucleus when needed; a cell outside any running tree
 * is built and started on its own. The input is JSON (default `{}`).
 */
export async function callCommand(dirArg: string, method: string, inputJson: string | undefined, options: { timeoutMs?: number }): Promise<unknown> {
  let input: unknown = {};
  if (inputJson !== undefined) {
    try {
      input = JSON.parse(inputJson);
    } catch (err) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `input is not valid JSON: ${(err as Error).message}`);
    }
  }
  const dir = cellDir(dirArg);
  const node = loadCellTree(dir).root;
  const name = node.name;
  if (!readNucleusPointer(dir) && replicaSocketPaths({ name, dir }).length === 0 && node.config.cell.entry) {
    const deps = Object.fromEntries(Object.entries(node.deps).map(([k, d]) => [k, { name: d.name, dir: d.dir }]));
    await buildCell(node.config, deps);
    await startStandaloneCell({ name, dir }, Math.min(options.timeoutMs ?? STANDALONE_START_MS, STANDALONE_START_MS));
  }
  const synapse = connectDynamic({ cell: dir, name, timeoutMs: options.timeoutMs, caller: { cell: 'cli' } });
  try {
    return await synapse.call(method, input);
  } finally {
    await synapse.$close();
  }
}
