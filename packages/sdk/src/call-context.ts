import type { Static } from 'typebox';
import { CellError } from '@cell/protocol';
import type { ErrorSchemas } from './contract.ts';
import type { DeclaredError } from './contract-types.ts';
import type { Logger } from './logger.ts';

/** Who is calling, as told in its handshake. */
export interface CallerInfo {
  /** Calling cell's name, when the caller is a cell. */
  cell?: string | undefined;
  replica?: string | undefined;
  /** Genome fingerprint the caller was built against. */
  fingerprint?: string | undefined;
}

/** What a handler gets besides its input. */
export class CallContext<E extends ErrorSchemas = ErrorSchemas> {
  /** Fires when the caller cancels, the deadline passes or the connection drops. */
  readonly signal: AbortSignal;
  /** Absolute deadline (epoch ms), if the caller set one. */
  readonly deadline: number | undefined;
  /** Trace id (32 hex chars), carried into calls this handler makes. */
  readonly trace: string;
  readonly method: string;
  readonly caller: CallerInfo;
  private readonly baseLog: Logger;
  private readonly sendEvent: (event: string, payload: unknown) => void;
  private childLog: Logger | undefined;

  constructor(init: {
    signal: AbortSignal;
    deadline: number | undefined;
    trace: string;
    method: string;
    caller: CallerInfo;
    log: Logger;
    sendEvent: (event: string, payload: unknown) => void;
  }) {
    this.signal = init.signal;
    this.deadline = init.deadline;
    this.trace = init.trace;
    this.method = init.method;
    this.caller = init.caller;
    this.baseLog = init.log;
    this.sendEvent = init.sendEvent;
  }

  /** A logger bound to this call (`method`, `trace`). Created on first use. */
  get log(): Logger {
    this.childLog ??= this.baseLog.child({ method: this.method, trace: this.trace });
    return this.childLog;
  }

  /** Milliseconds left before the deadline (Infinity when there is none). */
  get remainingMs(): number {
    return this.deadline === undefined ? Infinity : Math.max(0, this.deadline - Date.now());
  }

  /**
   * Builds one of this method's declared errors; `throw` it. The caller receives it typed,
   * with `details` checked against the declared schema.
   */
  fail<K extends keyof E & string>(code: K, details: Static<E[K]>, message?: string): DeclaredError<K, Static<E[K]>> {
    return new CellError(code, message ?? code, { details, declared: true }) as DeclaredError<K, Static<E[K]>>;
  }

  /** Sends one of the contract's events to this caller only. */
  emit(event: string, payload: unknown): void {
    this.sendEvent(event, payload);
  }
}
