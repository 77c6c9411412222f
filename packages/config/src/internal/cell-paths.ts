import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { BuildContext } from './build-context.ts';
import type { KeyPath } from './problem-report.ts';

// Paths a cell.toml names, resolved against its directory and checked on disk (after the schema
// has checked their shape).

/** Files a cell's code may start from. */
export const SOURCE_EXTENSIONS = ['.ts', '.mts', '.js', '.mjs'] as const;

function kindOf(path: string): 'file' | 'directory' | 'other' | undefined {
  try {
    const stat = statSync(path, { throwIfNoEntry: false });
    return stat === undefined ? undefined : stat.isFile() ? 'file' : stat.isDirectory() ? 'directory' : 'other';
  } catch {
    return undefined; // ENOTDIR, EACCES, ELOOP: as good as absent here
  }
}

/** The absolute path of the source file at `path` (`cell.entry`), when clean and present; reports a missing one. */
export function sourceFile(ctx: BuildContext, path: KeyPath): string | undefined {
  const raw = ctx.raw(path);
  if (typeof raw !== 'string' || !ctx.isClean(path)) return undefined;
  const file = resolve(ctx.dir, raw);
  if (kindOf(file) !== 'file') {
    ctx.add(path, `${String(path.at(-1))} file "${raw}" does not exist (looked for ${file})`);
    return undefined;
  }
  return file;
}

/** `src/contract.ts` when it exists: a cell's contract without a `contract` key. */
export function defaultContract(dir: string): string | undefined {
  const file = join(dir, 'src', 'contract.ts');
  return kindOf(file) === 'file' ? file : undefined;
}

/** The absolute directory of the cell `raw` names (it must hold a cell.toml); reports it at `path` otherwise. */
export function cellDirectory(ctx: BuildContext, path: KeyPath, raw: string): string | undefined {
  const target = resolve(ctx.dir, raw);
  if (kindOf(target) !== 'directory') {
    ctx.add(path, `path "${raw}" does not exist (looked for ${target})`);
    return undefined;
  }
  if (kindOf(join(target, 'cell.toml')) === undefined) {
    ctx.add(path, `"${raw}" has no cell.toml (looked in ${target})`);
    return undefined;
  }
  return target;
}

/** Sub-cells in the `cells/` folder (each a directory with a cell.toml), by folder name, sorted. */
export function cellsFolder(dir: string): { name: string; dir: string }[] {
  const folder = join(dir, 'cells');
  if (kindOf(folder) !== 'directory') return [];
  return readdirSorted(folder)
    .map((name) => ({ name, dir: join(folder, name) }))
    .filter((c) => kindOf(join(c.dir, 'cell.toml')) !== undefined);
}

function readdirSorted(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}
