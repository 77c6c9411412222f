import { CellError } from '@cell/protocol';
import { loadCellTree } from '@cell/config';
import { connectDynamic, readNucleusPointer, replicaSocketPaths } from '@cell/sdk';
import { buildCell } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/**
 * `cell call <cell-dir> <method> [json]`: calls a method of a local cell (starting it if it is not
 * running) and returns the result. The input is JSON (default `{}`).
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
  // Outside any running tree, make sure the cell is built so the SDK can start it on demand.
  if (!readNucleusPointer(dir) && replicaSocketPaths({ name, dir }).length === 0 && node.config.cell.entry) {
    const deps = Object.fromEntries(Object.entries(node.deps).map(([k, d]) => [k, { name: d.name, dir: d.dir }]));
    await buildCell(node.config, deps);
  }
  const synapse = connectDynamic({ cell: dir, name, timeoutMs: options.timeoutMs, caller: { cell: 'cli' } });
  try {
    return await synapse.call(method, input);
  } finally {
    await synapse.$close();
  }
}
