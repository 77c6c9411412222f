import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parse, TomlError } from 'smol-toml';
import { CellError } from '@cell/protocol';
import { type CellConfig, type ConfigProblem, formatProblem } from './cell-config.ts';
import { validateConfig } from './validate-config.ts';

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
  return existsSync(abs) && statSync(abs).isFile() ? abs : join(abs, 'cell.toml');
}

/** Reads and validates one cell.toml; returns the config or every problem found in it. */
export function readCellConfig(dirOrFile: string): { config: CellConfig | undefined; problems: ConfigProblem[] } {
  const file = cellTomlPath(dirOrFile);
  if (!existsSync(file)) {
    return { config: undefined, problems: [{ file, line: undefined, key: '', message: 'no cell.toml here' }] };
  }
  if (basename(file) !== 'cell.toml') {
    return { config: undefined, problems: [{ file, line: undefined, key: '', message: 'the config file must be named cell.toml (lower case)' }] };
  }
  const source = readFileSync(file, 'utf8');
  let raw: Record<string, unknown>;
  try {
    raw = parse(source) as Record<string, unknown>;
  } catch (err) {
    const line = err instanceof TomlError ? err.line : undefined;
    const message = (err as Error).message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    return { config: undefined, problems: [{ file, line, key: '', message: `invalid TOML: ${message}` }] };
  }
  const result = validateConfig(raw, file, dirname(file), source);
  return result.config ? { config: deepFreeze(result.config), problems: [] } : result;
}

/** Throws one CellError listing every problem (each with file, line and key). */
export function throwProblems(problems: ConfigProblem[]): never {
  const notFound = problems.length === 1 && problems[0]!.message === 'no cell.toml here';
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
