import type { ConfigProblem } from '../cell-config.ts';
import { indexKeys, type KeyLocator } from './key-locator.ts';

/** A key path in a cell.toml: table and key names, and array indexes (`['auth', 'allowed_keys', 0]`). */
export type KeyPath = readonly (string | number)[];

/**
 * Problems listed for one file; past this, one last problem says how many more there are. A file
 * with thousands of stray keys is one mistake, and a list that long would bury the others.
 */
export const MAX_PROBLEMS_PER_FILE = 200;

/** `resources.memory.max`, `auth.allowed_keys[0]`. */
export function formatKey(path: KeyPath): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** Collects every problem of one file, each with its line; the source is indexed once for all of them. */
export class ProblemReport {
  private readonly file: string;
  private readonly locate: KeyLocator;
  private readonly found: ConfigProblem[] = [];
  /** Key paths (joined by NUL) with a problem at them, and those with one under them. */
  private readonly at = new Set<string>();
  private readonly under = new Set<string>();
  private countIsLowerBound = false;

  constructor(file: string, source: string) {
    this.file = file;
    this.locate = indexKeys(source);
  }

  /** Number of problems found so far. */
  get count(): number {
    return this.found.length;
  }

  add(path: KeyPath, message: string): void {
    const keys = path.filter((k): k is string => typeof k === 'string');
    this.found.push({ file: this.file, line: this.locate(keys), key: formatKey(path), message });
    this.at.add(path.join('\0'));
    for (let depth = 0; depth < path.length; depth++) this.under.add(path.slice(0, depth).join('\0'));
  }

  /** True when no problem was found at `path`, under it, or at a table above it. */
  isClean(path: KeyPath): boolean {
    if (this.under.has(path.join('\0'))) return false;
    for (let depth = 0; depth <= path.length; depth++) if (this.at.has(path.slice(0, depth).join('\0'))) return false;
    return true;
  }

  /** Notes that problems were left uncounted (the validator stopped collecting). */
  markCountIncomplete(): void {
    this.countIsLowerBound = true;
  }

  /** The problems in file order (file-wide ones first), at most {@link MAX_PROBLEMS_PER_FILE} and a count of the rest. */
  problems(): ConfigProblem[] {
    const sorted = this.found.toSorted((a, b) => (a.line ?? 0) - (b.line ?? 0));
    const rest = sorted.length - MAX_PROBLEMS_PER_FILE;
    if (rest <= 0 && !this.countIsLowerBound) return sorted;
    const listed = sorted.slice(0, MAX_PROBLEMS_PER_FILE);
    const message =
      rest <= 0
        ? '… and possibly more problems (the check stopped early)'
        : `… and ${this.countIsLowerBound ? 'at least ' : ''}${rest} more problem${rest === 1 ? '' : 's'} (only the first ${MAX_PROBLEMS_PER_FILE} are listed)`;
    listed.push({ file: this.file, line: undefined, key: '', message });
    return listed;
  }
}
