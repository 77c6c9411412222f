import { CellError, isCellError } from '@cell/protocol';

/** Attempts a call may make on other candidates after its own died. */
export const MAX_FAILOVERS = 4;
/** A call whose replica died while handling it is sent again once, never twice. */
export const MAX_LOST_IN_FLIGHT = 1;

/** How far a call has come in failing over. */
export interface FailoverState {
  /** Failovers made so far. */
  attempt: number;
  /** Times a replica died while handling this call. */
  lost: number;
}

/** What else is true when a call fails. */
export interface FailoverContext {
  /** The error is final for this pool (a failed start): retrying would only start the cell again. */
  final: boolean;
  aborted: boolean;
  closed: boolean;
  /** Of the call's deadline. */
  timeLeftMs: number;
}

export type FailoverVerdict = { retry: true; state: FailoverState } | { retry: false; error: unknown };

/** The cell got the call and its connection died while it handled it. */
export function wasLostInFlight(err: unknown): boolean {
  return isCellError(err) && (err.details as { lostInFlight?: unknown } | undefined)?.lostInFlight === true;
}

/**
 * The call went out with the handshake to a cell that changed since this process last reached it
 * (FLAG_EARLY): it was not run, and goes out again once the new genome is checked.
 */
export function wasNotRunEarly(err: unknown): boolean {
  return isCellError(err) && err.code === 'CELL_E_UNAVAILABLE' && (err.details as { early?: unknown } | undefined)?.early === true;
}

/** An error no other candidate can change: the cell refuses us, or we it. */
export function isDecisive(err: unknown): boolean {
  return isCellError(err) && (err.code === 'CELL_E_SCHEMA_MISMATCH' || err.code === 'CELL_E_DENIED');
}

/**
 * Whether a failed call goes to another candidate: only when its candidate became unavailable,
 * within its deadline and a few attempts — and a call that took down the replica handling it twice
 * is not sent a third time (it may be what kills them: a poison call), the caller is told why.
 */
export function judgeFailover(err: unknown, state: FailoverState, ctx: FailoverContext): FailoverVerdict {
  const unavailable = isCellError(err) && err.code === 'CELL_E_UNAVAILABLE';
  if (!unavailable || ctx.final || ctx.aborted || ctx.closed || state.attempt > MAX_FAILOVERS || ctx.timeLeftMs <= 0) return { retry: false, error: err };
  const lost = state.lost + (wasLostInFlight(err) ? 1 : 0);
  if (lost > MAX_LOST_IN_FLIGHT) {
    return {
      retry: false,
      error: new CellError('CELL_E_UNAVAILABLE', `the call was lost ${lost} times with the replica handling it; not retried again: the call itself may be what kills its replica`, {
        cause: err,
        details: { lostInFlight: lost },
      }),
    };
  }
  return { retry: true, state: { attempt: state.attempt + 1, lost } };
}
