import type { CellError } from '@cell/protocol';

/** The HTTP status of each stable error a call can end with; a cell's declared errors are 422. */
const STATUS: Record<string, number> = {
  CELL_E_INVALID_INPUT: 400,
  CELL_E_DENIED: 403,
  CELL_E_UNKNOWN_METHOD: 404,
  CELL_E_FRAME_TOO_LARGE: 413,
  CELL_E_OVERLOADED: 429,
  CELL_E_CANCELLED: 499,
  CELL_E_INTERNAL: 500,
  CELL_E_SCHEMA_MISMATCH: 502,
  CELL_E_PROTOCOL: 502,
  CELL_E_STREAM_ABORTED: 502,
  CELL_E_UNAVAILABLE: 503,
  CELL_E_CLOSED: 503,
  CELL_E_TIMEOUT: 504,
};

/**
 * The status of a failed call: a declared error (the cell's own, in its genome) is 422
 * Unprocessable Content — the request was understood and refused by the cell's rules; the SDK's
 * stable codes each have theirs (docs/gateway.md); anything else is 500.
 */
export function statusOf(error: CellError<string>): number {
  if (error.declared) return 422;
  return STATUS[error.code] ?? 500;
}

/** The JSON body of a failed call: the error as the SDK gives it to a caller. */
export function errorBody(error: CellError<string>): { code: string; message: string; details: unknown; declared: boolean } {
  return { code: error.code, message: error.message, details: error.details ?? null, declared: error.declared };
}
