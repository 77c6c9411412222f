import { CellError } from '@cell/protocol';
import { loadCellTree, type TreeNode } from '@cell/config';
import { unknownKeys } from '@cell/contract';
import { readNucleusPointer, replicaSocketPaths } from '@cell/host';
import { connectDynamic } from '@cell/sdk';
import { buildCell, currentGenome, startStandaloneCell } from '@cell/runtime';
import { locateCell } from '../locate-tree.ts';
import { closestName } from '../output/suggest.ts';

const STANDALONE_START_MS = 30_000;

export interface CallOptions {
  timeoutMs?: number | undefined;
  /** Told what the cell will receive but its contract does not name (input keys an open object schema lets through). */
  warn?: (warning: { message: string; keys: string[] }) => void;
  /** The call's trace id (32 hex characters), to find it again with `cell trace`; default a fresh one nobody sees. */
  trace?: string | undefined;
}

/** The same CELL_E_UNKNOWN_METHOD, naming the cell's methods and the closest one (`details.methods`, `details.suggestion`). */
async function unknownMethod(node: TreeNode, method: string, original: unknown): Promise<unknown> {
  const genome = (await currentGenome(node, ['live', 'recorded']).catch(() => undefined))?.genome;
  if (!genome) return original;
  const methods = Object.keys(genome.methods);
  const near = closestName(method, methods);
  const hint = near ? `; did you mean "${near}"?` : '';
  return new CellError('CELL_E_UNKNOWN_METHOD', `cell ${node.name} has no method ${JSON.stringify(method)} (its methods: ${methods.join(', ') || 'none'})${hint}`, {
    details: { method, methods, ...(near ? { suggestion: near } : {}) },
    cause: original,
  });
}

/** Keys of the input the method's schema does not name, from the genome the cell was last built with (else the live one). */
async function inputKeysUnknown(node: TreeNode, method: string, input: unknown): Promise<string[]> {
  if (typeof input !== 'object' || input === null) return [];
  const genome = (await currentGenome(node, ['recorded', 'live']).catch(() => undefined))?.genome;
  return unknownKeys(genome?.methods[method]?.input, input);
}

/**
 * `cell call <cell> <method> [json]`: calls a method of a local cell and returns the result.
 * `<cell>` is a directory, or the name of a cell of the tree around the current directory. A cell
 * of a running tree is started by its nucleus when needed; a cell outside any running tree is
 * built and started on its own. The input is JSON (default `{}`); keys the method's schema does
 * not name are refused by a closed schema (CELL_E_INVALID_INPUT) and, by an open one (TypeBox's
 * default), passed to the handler as they are — `warn` is told which. An unknown method fails
 * with CELL_E_UNKNOWN_METHOD listing the cell's methods and the closest name.
 */
export async function callCommand(dirArg: string, method: string, inputJson: string | undefined, options: CallOptions): Promise<unknown> {
  let input: unknown = {};
  if (inputJson !== undefined) {
    try {
      input = JSON.parse(inputJson);
    } catch (err) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `input is not valid JSON: ${(err as Error).message}`);
    }
  }
  const dir = locateCell(dirArg);
  const node = loadCellTree(dir).root;
  const name = node.name;
  if (!readNucleusPointer(dir) && replicaSocketPaths({ name, dir }).length === 0 && node.config.cell.entry) {
    const deps = Object.fromEntries(Object.entries(node.deps).map(([k, d]) => [k, { name: d.name, dir: d.dir }]));
    await buildCell(node.config, deps);
    await startStandaloneCell({ name, dir }, Math.min(options.timeoutMs ?? STANDALONE_START_MS, STANDALONE_START_MS));
  }
  if (options.warn) {
    const extra = await inputKeysUnknown(node, method, input);
    if (extra.length > 0) {
      options.warn({ keys: extra, message: `input keys ${extra.join(', ')} are not in the contract of ${name}.${method}; its schema lets them through, so the handler receives them as they are` });
    }
  }
  const synapse = connectDynamic({ cell: dir, name, timeoutMs: options.timeoutMs, caller: { cell: 'cli' } });
  try {
    return await synapse.call(method, input, options.trace === undefined ? undefined : { trace: options.trace });
  } catch (err) {
    throw (err as { code?: unknown }).code === 'CELL_E_UNKNOWN_METHOD' ? await unknownMethod(node, method, err) : err;
  } finally {
    await synapse.$close();
  }
}
