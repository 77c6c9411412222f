import { statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { CellError } from '@cell/protocol';
import { type CellConfig, type ConfigProblem, formatProblem } from './cell-config.ts';
import { readSource } from './internal/read-source.ts';
import { validateConfig } from './internal/validate-config.ts';

const NOT_FOUND = 'no cell.toml here';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The cell.toml a directory (or file) argument refers to. */
export function cellTomlPath(dirOrFile: string): string {
  const abs = resolve(dirOrFile);
  let isDirectory = true;
  try {
    const stat = statSync(abs, { throwIfNoEntry: false });
    // Anything there but a directory is taken as the file itself: a FIFO or a device is then
    // reported as not a regular file rather than as a missing cell.toml.
    isDirectory = stat === undefined || stat.isDirectory();
  } catch {
    // Unreadable: look inside it, and report what is (not) found there.
  }
  return isDirectory ? join(abs, 'cell.toml') : abs;
}

/** Reads and validates one cell.toml; returns the config or every problem found in it. */
export function readCellConfig(dirOrFile: string): { config: CellConfig | undefined; problems: ConfigProblem[] } {
  const file = cellTomlPath(dirOrFile);
  const fail = (message: string, line?: number) => ({ config: undefined, problems: [{ file, line, key: '', message }] });
  if (basename(file) !== 'cell.toml') return fail('the config file must be named cell.toml (lower case)');
  const read = readSource(file);
  if (!('source' in read)) return fail(read.notFound ? NOT_FOUND : read.message);
  let raw: Record<string, unknown>;
  try {
    raw = parse(read.source) as Record<string, unknown>;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    return fail(`invalid TOML: ${message}`, err instanceof TomlError ? err.line : undefined);
  }
  const result = validateConfig(raw, file, dirname(file), read.source);
  return result.config ? { config: deepFreeze(result.config), problems: [] } : result;
}

/** Throws one CellError listing every problem (each with file, line and key). */
export function throwProblems(problems: ConfigProblem[]): never {
  const notFound = problems.length === 1 && problems[0]!.message === NOT_FOUND;
  throw new CellError(
    notFound ? 'CELL_E_CONFIG_NOT_FOUND' : 'CELL_E_CONFIG_INVALID',
    notFound ? `no cell.toml in ${dirname(problems[0]!.file)}` : `invalid cell.toml:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`,
    { details: { problems } },
  );
}

/** Loads one cell.toml, frozen; throws CELL_E_CONFIG_INVALID (or _NOT_FOUND) naming every problem. */
export function loadCellConfig(dirOrFile: string): CellConfig {
  const { config, problems } = readCellConfig(dirOrFile);
  if (!config) throwProblems(problems);
  return config;
}
