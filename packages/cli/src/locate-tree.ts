import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CellError } from '@cell/protocol';
import { cellTomlPath } from '@cell/config';

/** The directory of the cell an argument names (a directory or its cell.toml). */
export function cellDir(arg: string | undefined): string {
  const file = cellTomlPath(arg ?? '.');
  if (!existsSync(file)) throw new CellError('CELL_E_CONFIG_NOT_FOUND', `no cell.toml in ${resolve(arg ?? '.')}`);
  return dirname(file);
}
