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
  /** The calling node's key (peer id), when the call came from another node over an axon. */
  node?: string | undefined;
  /** The calling node's address (`ip:port`), over an axon. */
  address?: string | undefined;
  /** Our own address as that node reached us, over an axon. */
  localAddress?: string | undefined;
}

/** The membrane-side state a context reads from (one per call). */
export interface CallHandle {
  readonly method: string;
  /** Absolute deadline (epoch ms); Infinity when there is none. */
  readonly deadline: number;
  readonly signal: AbortSignal;
}

/** The connection-wide things a context reads from (one per caller connection). */
export interface ContextHost {
  readonly caller: CallerInfo;
  readonly log: Logger;
  emitChecked(event: string, payload: unknown): void;
}

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
  private childLog: Logger | undefined;
  private traceHex: string | undefined;

  constructor(call: CallHandle, traceId: Buffer, host: ContextHost) {
    this.call = call;
    this.traceId = traceId;
    this.host = host;
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
    this.childLog ??= this.host.log.child({ method: this.method, trace: this.trace });
    return this.childLog;
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
    this.host.emitChecked(event, payload);
  }
}
