import { CellError, toCellError } from '@cell/protocol';
import type { WireLogger } from '../logger.ts';
import type { MethodEntry, ValidationIssue, Validator } from './method-entry.ts';

/**
 * What a caller may see of whatever a handler threw: one of the method's declared errors (its
 * details checked against the declared schema), else CELL_E_INTERNAL. The original is logged
 * with the call, never sent.
 */
export function handlerError(entry: MethodEntry, thrown: unknown, log: WireLogger): CellError<string> {
  const code = (thrown as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && entry.errors.has(code)) {
    const details = (thrown as { details?: unknown }).details;
    const validator = entry.errors.get(code)!;
    if (validator.check(details)) {
      const message = (thrown as { message?: unknown }).message;
      return new CellError<string>(code, typeof message === 'string' ? message : code, { details, declared: true });
    }
    log.error({ err: thrown, errors: validator.issues(details) }, 'declared error has invalid details');
    return new CellError('CELL_E_INTERNAL', `handler of ${entry.name} raised ${code} with details that break its schema`);
  }
  log.error({ err: thrown }, 'handler failed with an undeclared error');
  // Even an SDK error from a call the handler made (CELL_E_UNAVAILABLE...) is this cell's internal
  // failure: passing its code on would make the caller fail over from a healthy replica.
  return new CellError('CELL_E_INTERNAL', `handler of ${entry.name} failed: ${toCellError(thrown).message}`, {
    details: typeof code === 'string' ? { cause: code } : undefined,
  });
}

/** The handler returned (or streamed) a value that breaks its own output schema. */
export function invalidOutput(entry: MethodEntry, validator: Validator, out: unknown, log: WireLogger): CellError<string> {
  const errors = validator.issues(out);
  log.error({ errors }, 'handler returned output that breaks its schema');
  return new CellError('CELL_E_INTERNAL', `handler of ${entry.name} returned output that breaks its schema`, { details: { errors } });
}

/** The caller's input breaks the method's input schema: every failing path in the details. */
export function invalidInput(method: string, errors: ValidationIssue[]): CellError {
  const first = errors[0];
  return new CellError('CELL_E_INVALID_INPUT', `invalid input for ${method}${first ? `: ${first.path} ${first.message}` : ''}`, { details: { errors } });
}

/** A reply too large for the limit the caller announced in its handshake. */
export function tooLargeForPeer(bytes: number, limit: number): CellError {
  return new CellError('CELL_E_FRAME_TOO_LARGE', `reply of ${bytes} bytes exceeds the caller's limit of ${limit} bytes (send more than that as a stream)`, {
    details: { bytes, maxFrameBytes: limit },
  });
}

/** True for a promise (or any thenable) a handler returned. */
export function isPromiseLike<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}
