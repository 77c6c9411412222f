import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';
import { cellTomlPath } from '@cell/config';
import { connect, nucleusContract, readNucleusPointer, type Synapse } from '@cell/sdk';

/** The directory of the cell an argument names (a directory or its cell.toml). */
export function cellDir(arg: string | undefined): string {
  const file = cellTomlPath(arg ?? '.');
  if (!existsSync(file)) throw new CellError('CELL_E_CONFIG_NOT_FOUND', `no cell.toml in ${resolve(arg ?? '.')}`);
  return dirname(file);
}

/** The running nucleus responsible for a cell directory (its own tree, or one it belongs to). */
export function nucleusFor(dir: string): { root: string; control: Synapse<typeof nucleusContract> } {
  let d = dir;
  for (;;) {
    const pointer = readNucleusPointer(d);
    if (pointer) return { root: pointer.root, control: connect(nucleusContract, { socketPath: pointer.socket, timeoutMs: 120_000 }) };
    const up = dirname(d);
    if (up === d || !existsSync(join(up, 'cell.toml'))) break;
    d = up;
  }
  throw new CellError('CELL_E_TREE_NOT_RUNNING', `no running tree contains ${dir}; start it with \`cell mitosis\``);
}
