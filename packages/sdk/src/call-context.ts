import type { Static } from 'typebox';
import { CellError } from '@cell/protocol';
import type { ErrorSchemas } from '@cell/contract';
import type { CallerInfo, CallHandle, ContextHost } from '@cell/wire';
import type { DeclaredError } from './declared-error.ts';
import type { Logger } from './logger.ts';

export type { CallerInfo };

/**
 * What a handler gets besides its input. Pass it as the options of calls the handler makes to
 * other cells — `await inventory.reserve(input, ctx)` — and they inherit this call's trace,
 * remaining deadline and cancellation.
 */
export class CallContext<E extends ErrorSchemas = ErrorSchemas> {
  /** 16-byte trace id. */
  readonly traceId: Buffer;
  private readonly call: CallHandle;
  private readonly host: ContextHost;
  private readonly baseLog: Logger;
  private childLog: Logger | undefined;
  private traceHex: string | undefined;

  constructor(call: CallHandle, traceId: Buffer, host: ContextHost, log: Logger) {
    this.call = call;
    this.traceId = traceId;
    this.host = host;
    this.baseLog = log;
  }

  /** The method being called. */
  get method(): string {
    return this.call.method;
  }

  /** Who is calling. */
  get caller(): CallerInfo {
    return this.host.caller;
  }

  /** Fires when the caller cancels, the deadline passes or the connection drops. */
  get signal(): AbortSignal {
    return this.call.signal;
  }

  /** Absolute deadline (epoch ms), if the caller set one. */
  get deadline(): number | undefined {
    return this.call.deadline === Infinity ? undefined : this.call.deadline;
  }

  /** This call's span (8 bytes): calls made with this context as options are its children in `cell trace`. */
  get spanId(): Buffer | undefined {
    return this.call.spanId;
  }

  /** Milliseconds left before the deadline; undefined when there is none. */
  get timeoutMs(): number | undefined {
    return this.call.deadline === Infinity ? undefined : Math.max(0, this.call.deadline - Date.now());
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

  /**
   * Builds one of this method's declared errors; `throw` it. The caller receives it typed,
   * with `details` checked against the declared schema.
   */
  fail<K extends keyof E & string>(code: K, details: Static<E[K]>, message?: string): DeclaredError<K, Static<E[K]>> {
    return new CellError<K, Static<E[K]>>(code, message ?? code, { details, declared: true }) as DeclaredError<K, Static<E[K]>>;
  }

  /** Sends one of the contract's events to this caller only. */
  emit(event: string, payload: unknown): void {
    this.host.emitChecked(event, payload);
  }
}
