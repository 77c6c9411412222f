import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';
import { cellTomlPath, loadCellTree } from '@cell/config';
import { readNucleusPointer } from '@cell/host';
import { closestName } from './output/suggest.ts';

/** The directory of the cell an argument names (a directory or its cell.toml). */
export function cellDir(arg: string | undefined): string {
  const file = cellTomlPath(arg ?? '.');
  if (!existsSync(file)) throw new CellError('CELL_E_CONFIG_NOT_FOUND', `no cell.toml in ${resolve(arg ?? '.')}`);
  return dirname(file);
}

/** The nearest directory at or above `d` that holds a cell.toml, looking at most `levels` up. */
function cellAbove(d: string, levels: number): string | undefined {
  for (let i = 0; i <= levels; i++, d = dirname(d)) {
    if (existsSync(join(d, 'cell.toml'))) return d;
    if (dirname(d) === d) return undefined;
  }
  return undefined;
}

/**
 * The root of the tree `from` is in: the running tree that contains it, else the highest cell
 * reached from the nearest one by steps of at most two directories (`cells/<name>`). Undefined
 * outside any cell.
 */
export function treeRootAround(from: string): string | undefined {
  const nearest = cellAbove(resolve(from), Infinity);
  if (!nearest) return undefined;
  const running = readNucleusPointer(nearest);
  if (running) return running.root;
  let d: string = nearest;
  for (;;) {
    const up: string | undefined = dirname(d) === d ? undefined : cellAbove(dirname(d), 1);
    if (!up) return d;
    d = up;
  }
}

const CELL_NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * The directory of the cell an argument names: a directory (or its cell.toml), or else the name
 * of a cell of the tree around `cwd` (`cell describe orders` from anywhere in the shop tree).
 * CELL_E_CONFIG_NOT_FOUND when it is neither, with the closest cell name when one is near.
 */
export function locateCell(arg: string | undefined, cwd = process.cwd()): string {
  const file = cellTomlPath(resolve(cwd, arg ?? '.'));
  if (existsSync(file)) return dirname(file);
  const root = arg !== undefined && CELL_NAME.test(arg) ? treeRootAround(cwd) : undefined;
  if (!root) throw new CellError('CELL_E_CONFIG_NOT_FOUND', `no cell.toml in ${resolve(cwd, arg ?? '.')}`);
  const names = loadCellTree(root).nodes.map((n) => [n.name, n.dir] as const);
  const found = names.find(([name]) => name === arg);
  if (found) return found[1];
  const near = closestName(arg!, names.map(([name]) => name));
  throw new CellError('CELL_E_CONFIG_NOT_FOUND', `no cell.toml in ${resolve(cwd, arg!)}, and no cell named "${arg}" in the tree at ${root}${near ? `; did you mean "${near}"?` : ''}`, {
    details: { cell: arg, root, ...(near ? { suggestion: near } : {}) },
  });
}
