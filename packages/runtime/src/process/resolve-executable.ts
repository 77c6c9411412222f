import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';

function isExecutableFile(path: string): 'yes' | 'missing' | 'not-executable' {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat?.isFile()) return 'missing';
  try {
    accessSync(path, constants.X_OK);
    return 'yes';
  } catch {
    return 'not-executable';
  }
}

/**
 * The absolute path of a process cell's executable: a path (with a `/`) relative to the cell, or
 * a name looked up in `path` (the cell's PATH: its `node_modules/.bin` first). A missing or
 * non-executable one is CELL_E_START_FAILED naming the cell and where it looked.
 */
export function resolveExecutable(cell: string, file: string, cwd: string, path: string): string {
  const fail = (why: string) => new CellError('CELL_E_START_FAILED', `cell ${cell}: run[0] ${why}`, { details: { cell, executable: file } });
  if (file.includes('/')) {
    const abs = isAbsolute(file) ? file : resolve(cwd, file);
    const state = isExecutableFile(abs);
    if (state === 'missing') throw fail(`"${file}" does not exist (looked for ${abs})`);
    if (state === 'not-executable') throw fail(`"${file}" is not executable (chmod +x ${abs})`);
    return abs;
  }
  const dirs = path.split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, file);
    if (isExecutableFile(candidate) === 'yes') return candidate;
  }
  throw fail(`"${file}" was not found on PATH (looked in ${dirs.join(', ')})`);
}
