import { CellError, isCellErrorCode } from '@cell/protocol';

/**
 * The error a command reports for what a nucleus's control socket refused. The nucleus contract
 * declares its own error names (`NoSuchCell`, `ReloadFailed`, ...): they never reach a person.
 * A cell the tree does not have is CELL_E_CONFIG_NOT_FOUND; an operation that failed carries the
 * code of its cause (`details.code`), and a cause without a stable code is CELL_E_INTERNAL.
 */
export function fromControlError(error: CellError<string>, root: string): CellError<string> {
  if (isCellErrorCode(error.code)) return error;
  const details = (error.details ?? {}) as { cell?: unknown; reason?: unknown; code?: unknown };
  if (error.code === 'NoSuchCell') {
    return new CellError('CELL_E_CONFIG_NOT_FOUND', `${String(details.cell)} is not a cell of the tree running at ${root}`, { details: { cell: details.cell, root } });
  }
  const reason = typeof details.reason === 'string' ? details.reason : error.message;
  const code = isCellErrorCode(details.code) ? details.code : 'CELL_E_INTERNAL';
  return new CellError(code, reason, { details: { ...details, refusedAs: error.code } });
}
