import { styleText } from 'node:util';
import { CellError, isCellErrorCode, toCellError } from '@cell/protocol';

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

const USAGE_CODES = new Set(['CELL_E_CONFIG_INVALID', 'CELL_E_CONFIG_NOT_FOUND', 'CELL_E_INVALID_ARGUMENT', 'CELL_E_BUILD_FAILED', 'CELL_E_TYPECHECK_FAILED']);

/**
 * The error as the CLI prints it: always with a stable `CELL_E_*` code (docs/errors.md). A
 * cell's declared error (`OutOfStock`) is printed as it is only where the command says so (`cell
 * call` shows the callee's typed errors); any other code becomes CELL_E_INTERNAL naming it.
 */
export function printableError(err: unknown, options: { declared?: boolean } = {}): CellError<string> {
  const e = toCellError(err);
  if (isCellErrorCode(e.code) || (e.declared && options.declared)) return e;
  return new CellError('CELL_E_INTERNAL', `${e.code}: ${e.message}`, { details: { code: e.code, details: e.details }, cause: e });
}

/** Prints an error for people (or as JSON) and returns the exit code it deserves. */
export function reportError(err: unknown, json: boolean, options: { declared?: boolean } = {}): number {
  const e = printableError(err, options);
  if (json) process.stderr.write(`${JSON.stringify(e.toJSON())}\n`);
  else process.stderr.write(`${color('red', `error ${e.code}`, process.stderr)}: ${e.message}\n`);
  if (e.code === 'CELL_E_TREE_NOT_RUNNING') return ExitCode.NOT_RUNNING;
  return USAGE_CODES.has(e.code) ? ExitCode.USAGE : ExitCode.FAILED;
}

/** Colour for a terminal, through Node's `util.styleText` (plain text when the stream is not a terminal, or NO_COLOR is set). */
export function color(name: 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray' | 'bold', text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return styleText(name, text, { stream });
}
