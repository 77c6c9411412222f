import type { CellError, Frame } from '@cell/protocol';
import type { Clock } from '../clock.ts';
import type { WireLogger } from '../logger.ts';
import type { ServerCall } from './server-call.ts';

/**
 * The debug line a membrane writes for each call it served or refused (docs/logging.md):
 * `{ method, callId, trace, caller, durationMs, outcome }` with the fixed message `call served`;
 * `outcome` is `ok` or the error's code (a declared error's name, or CELL_E_*). Only called when
 * the membrane logs calls, so nothing here is on the path of a membrane that does not.
 */
export class CallLog {
  private readonly log: WireLogger;
  private readonly clock: Clock;

  constructor(log: WireLogger, clock: Clock) {
    this.log = log;
    this.clock = clock;
  }

  /** Marks when a call arrived. */
  started(call: ServerCall): void {
    call.startedAt = this.clock.monotonic();
  }

  /** A call that ran ended: with its reply (`error` undefined) or with an error. */
  ended(call: ServerCall, caller: string | undefined, error: CellError<string> | undefined): void {
    const durationMs = call.startedAt === undefined ? 0 : Math.round((this.clock.monotonic() - call.startedAt) * 1000) / 1000;
    this.log.debug({ method: call.method, callId: call.id, trace: call.traceId.toString('hex'), caller, durationMs, outcome: error ? error.code : 'ok' }, 'call served');
  }

  /** A request refused before its handler ran (unknown method, invalid input, overloaded...). */
  refused(f: Frame, caller: string | undefined, error: CellError<string>): void {
    this.log.debug({ method: f.name ?? '', callId: f.streamId, trace: f.trace?.toString('hex'), caller, durationMs: 0, outcome: error.code }, 'call served');
  }
}
