import type { Static } from 'typebox';
import { CellError } from '@cell/protocol';
import type { CallScope } from './call-scope.ts';
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

/**
 * Cancellation of one call. The AbortController is created only if the handler looks at its
 * signal: most handlers never do, and creating one per call is measurable.
 */
export class CallAbort {
  private controller: AbortController | undefined;
  private reason: unknown;
  private aborted = false;

  get signal(): AbortSignal {
    if (this.aborted && !this.controller) return AbortSignal.abort(this.reason);
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  get isAborted(): boolean {
    return this.aborted;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** What a handler gets besides its input. */
export class CallContext<E extends ErrorSchemas = ErrorSchemas> implements CallScope {
  /** Absolute deadline (epoch ms), if the caller set one. */
  readonly deadline: number | undefined;
  /** 16-byte trace id, carried into calls this handler makes. */
  readonly traceId: Buffer;
  readonly method: string;
  readonly caller: CallerInfo;
  private readonly abortState: CallAbort;
  private readonly baseLog: Logger;
  private readonly sendEvent: (event: string, payload: unknown) => void;
  private childLog: Logger | undefined;
  private traceHex: string | undefined;

  constructor(init: {
    abort: CallAbort;
    deadline: number | undefined;
    traceId: Buffer;
    method: string;
    caller: CallerInfo;
    log: Logger;
    sendEvent: (event: string, payload: unknown) => void;
  }) {
    this.abortState = init.abort;
    this.deadline = init.deadline;
    this.traceId = init.traceId;
    this.method = init.method;
    this.caller = init.caller;
    this.baseLog = init.log;
    this.sendEvent = init.sendEvent;
  }

  /** Fires when the caller cancels, the deadline passes or the connection drops. */
  get signal(): AbortSignal {
    return this.abortState.signal;
  }

  /** Trace id as 32 hex characters (the form logs use). */
  get trace(): string {
    this.traceHex ??= this.traceId.toString('hex');
    return this.traceHex;
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
