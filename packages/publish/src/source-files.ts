import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';

/** A regular file of a cell's source. */
export interface SourceFile {
  /** Relative to the cell's directory, `/`-separated. */
  path: string;
  /** Absolute path. */
  file: string;
  executable: boolean;
}

export interface ListSourceOptions {
  /** Absolute paths inside the cell that are not part of it (its sub-cells: bundled on their own; its secrets' files). */
  exclude?: readonly string[];
  /** Where `.gitignore` files above the cell stop being read when no `.git` is found (the tree's root). */
  treeRoot: string;
}

/** Never part of a bundle, at any depth. */
const NEVER = new Set(['.git', 'node_modules']);
/** The runtime's own directories at a cell's root (build output, sockets and pids, logs). */
const RUNTIME_DIRS = new Set(['.cell', 'run', 'log']);

interface Rules {
  base: string;
  matcher: Ignore;
}

function rulesIn(dir: string): Rules | undefined {
  const file = join(dir, '.gitignore');
  if (!existsSync(file)) return undefined;
  return { base: dir, matcher: ignore().add(readFileSync(file, 'utf8')) };
}

/**
 * The `.gitignore` files that apply to a cell from above it: every directory up to the nearest
 * one holding `.git` (the repository), or up to the tree's root when the tree is in no repository.
 */
function ancestorRules(cellDir: string, treeRoot: string): Rules[] {
  const dirs: string[] = [];
  let found = false;
  for (let d = dirname(cellDir); ; d = dirname(d)) {
    dirs.push(d);
    if (existsSync(join(d, '.git'))) {
      found = true;
      break;
    }
    if (dirname(d) === d) break;
  }
  const chosen = found ? dirs : dirs.slice(0, Math.max(0, dirs.indexOf(treeRoot) + 1));
  if (cellDir === treeRoot && !found) return [];
  return chosen.reverse().flatMap((d) => rulesIn(d) ?? []);
}

/** Git's answer for one path: rules read shallow to deep, a deeper `!pattern` re-including. */
function isIgnored(abs: string, isDir: boolean, rules: readonly Rules[]): boolean {
  let ignored = false;
  for (const r of rules) {
    const rel = relative(r.base, abs).split(sep).join('/');
    if (rel === '' || rel.startsWith('..')) continue;
    const t = r.matcher.test(isDir ? `${rel}/` : rel);
    if (t.ignored) ignored = true;
    else if (t.unignored) ignored = false;
  }
  return ignored;
}

/**
 * The files of a cell's source, sorted by path: what git would track (every `.gitignore` from the
 * repository's root down), without `.git/`, `node_modules/`, the runtime's `.cell/`, `run/` and
 * `log/`, or sub-cells. Symbolic links and other non-regular files are skipped (listed in
 * `skipped`): a bundle holds only regular files, so it cannot point outside itself.
 */
export function listSourceFiles(cellDir: string, options: ListSourceOptions): { files: SourceFile[]; skipped: string[] } {
  const exclude = new Set(options.exclude ?? []);
  const files: SourceFile[] = [];
  const skipped: string[] = [];
  const walk = (dir: string, rules: readonly Rules[]): void => {
    const here = rulesIn(dir);
    const active = here ? [...rules, here] : rules;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, entry.name);
      const path = relative(cellDir, abs).split(sep).join('/');
      if (NEVER.has(entry.name) || (dir === cellDir && RUNTIME_DIRS.has(entry.name)) || exclude.has(abs)) continue;
      if (entry.isDirectory()) {
        if (!isIgnored(abs, true, active)) walk(abs, active);
      } else if (entry.isFile()) {
        if (!isIgnored(abs, false, active)) files.push({ path, file: abs, executable: (lstatSync(abs).mode & 0o111) !== 0 });
      } else if (!isIgnored(abs, false, active)) {
        skipped.push(path);
      }
    }
  };
  walk(cellDir, ancestorRules(cellDir, options.treeRoot));
  const byPath = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  files.sort((a, b) => byPath(a.path, b.path));
  skipped.sort(byPath);
  return { files, skipped };
}
