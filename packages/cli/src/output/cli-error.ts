import { CellError, isCellError } from '@cell/protocol';

/** Exit codes of every `cell` command. */
export const ExitCode = {
  OK: 0,
  /** The operation failed (a call returned an error, a cell failed to start, ...). */
  FAILED: 1,
  /** Bad usage or bad config: nothing was done. */
  USAGE: 2,
  /** The tree is not running (status, stop, reload). */
  NOT_RUNNING: 3,
} as const;

const USAGE_CODES = new Set(['CELL_E_CONFIG_INVALID', 'CELL_E_CONFIG_NOT_FOUND', 'CELL_E_INVALID_ARGUMENT', 'CELL_E_BUILD_FAILED']);

/** Prints an error for people (or as JSON) and returns the exit code it deserves. */
export function reportError(err: unknown, json: boolean): number {
  const e = isCellError(err) ? err : new CellError('CELL_E_INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
  if (json) process.stderr.write(`${JSON.stringify(e.toJSON())}\n`);
  else process.stderr.write(`${color('red', `error ${e.code}`)}: ${e.message}\n`);
  if (e.code === 'CELL_E_TREE_NOT_RUNNING') return ExitCode.NOT_RUNNING;
  return USAGE_CODES.has(e.code) ? ExitCode.USAGE : ExitCode.FAILED;
}

const COLORS = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const;

/** ANSI color when stderr/stdout is a terminal and NO_COLOR is not set. */
export function color(name: keyof typeof COLORS, text: string): string {
  if (process.env['NO_COLOR'] || !(process.stdout.isTTY || process.stderr.isTTY)) return text;
  return `\x1b[${COLORS[name]}m${text}\x1b[0m`;
}
