import { CellError, FrameKind } from '@cell/protocol';
import { CallTable } from '../connection/call-table.ts';
import type { Clock } from '../clock.ts';
import type { FramedConnection } from '../connection/framed-connection.ts';
import type { StreamCredit, StreamInbox } from '../streams/stream-flow.ts';
import { DeadlineTimer } from '../time/deadline-timer.ts';

/** Per-call options as the wire layer reads them (the SDK's CallOptions, or a handler's context). */
export interface WireCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Undefined means the default. */
  readonly timeoutMs?: number | undefined;
  readonly trace?: string | undefined;
  readonly traceId?: Buffer | undefined;
  /** The span the call is made from (a handler's context gives its own): the callee's parent. */
  readonly spanId?: Buffer | undefined;
}

/** A call sent on a connection and not yet answered. */
export interface PendingCall {
  resolve(value: unknown): void;
  reject(error: CellError<string>): void;
  inbox: StreamInbox<unknown> | undefined;
  credit: StreamCredit | undefined;
  /** Absolute deadline (epoch ms); Infinity for none. */
  deadline: number;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Monotonic ms when sent, when latency is tracked; 0 otherwise. */
  sentAt: number;
}

export function pendingCall(resolve: (value: unknown) => void, reject: (error: CellError<string>) => void): PendingCall {
  return { resolve, reject, inbox: undefined, credit: undefined, deadline: Infinity, timeoutMs: undefined, signal: undefined, onAbort: undefined, sentAt: 0 };
}

/**
 * The calls a synapse connection has in flight, by stream id: ids handed out without reuse of a
 * live one, deadlines (one timer for all), aborts, and the CANCEL a call the caller gave up on
 * sends to the cell.
 */
export class PendingCalls {
  private readonly calls = new CallTable<PendingCall>();
  private nextId = 1;
  private readonly deadlines: DeadlineTimer;
  private readonly conn: FramedConnection;
  private readonly clock: Clock;
  /** Called when the last call settles (a draining connection then ends). */
  private readonly onEmpty: () => void;
  /** The clock reading the calls of one batch share (see batchNow), and the flush it was read before. */
  private batchAt = 0;
  private batchFlush = -1;

  constructor(conn: FramedConnection, clock: Clock, onEmpty: () => void) {
    this.conn = conn;
    this.clock = clock;
    this.onEmpty = onEmpty;
    this.deadlines = new DeadlineTimer((now) => this.expire(now), clock);
  }

  get size(): number {
    return this.calls.size;
  }

  get(id: number): PendingCall | undefined {
    return this.calls.get(id);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= 0xffff_fffe ? 1 : id + 1;
      if (!this.calls.has(id)) return id;
    }
  }

  /** Registers a call and wires its deadline and abort signal. Returns the id, or rejects the call at once. */
  register(call: PendingCall, opts: WireCallOptions, timeoutMs: number | undefined): number | undefined {
    if (opts.signal?.aborted) {
      call.reject(new CellError('CELL_E_CANCELLED', 'the call was aborted before it started'));
      return undefined;
    }
    if (timeoutMs !== undefined && !(timeoutMs > 0)) {
      call.reject(new CellError('CELL_E_TIMEOUT', 'the deadline passed before the call started'));
      return undefined;
    }
    const id = this.allocateId();
    if (timeoutMs !== undefined) {
      call.timeoutMs = timeoutMs;
      call.deadline = this.batchNow() + timeoutMs;
      this.deadlines.watch(call.deadline);
    }
    if (opts.signal) {
      call.signal = opts.signal;
      call.onAbort = () => this.abandon(id, new CellError('CELL_E_CANCELLED', 'the caller aborted the call'));
      opts.signal.addEventListener('abort', call.onAbort, { once: true });
    }
    this.calls.set(id, call);
    return id;
  }

  /**
   * Now, for a deadline: read once for the calls whose requests leave in one flush, the calls a
   * turn of the event loop makes (a read costs ~40 ns, a twentieth of a pipelined call's CPU). A call
   * made later in the turn than the first thus counts its deadline from that first call, at most
   * the turn's length early, never late.
   */
  private batchNow(): number {
    if (this.batchFlush !== this.conn.flushes || !this.conn.flushPending) {
      this.batchAt = this.clock.now();
      this.batchFlush = this.conn.flushes;
    }
    return this.batchAt;
  }

  /** Forgets a call that got its answer. */
  settle(id: number, call: PendingCall): void {
    this.calls.delete(id);
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort);
    if (this.calls.size === 0) this.onEmpty();
  }

  /** A call's answer arrived: its value (a reply, or undefined at a stream's end). */
  complete(id: number, call: PendingCall, value: unknown): void {
    this.settle(id, call);
    call.credit?.cancel();
    call.inbox?.end();
    call.resolve(value);
  }

  /** A call's answer arrived: an error. */
  fail(id: number, call: PendingCall, error: CellError<string>): void {
    this.settle(id, call);
    call.credit?.cancel();
    call.inbox?.fail(error);
    call.reject(error);
  }

  /** The caller gave up (deadline or abort): tell the cell, fail locally. */
  abandon(id: number, error: CellError<string>): void {
    const call = this.calls.get(id);
    if (!call) return;
    this.settle(id, call);
    this.conn.send({ kind: FrameKind.CANCEL, streamId: id });
    call.credit?.cancel();
    call.inbox?.fail(error);
    call.reject(error);
  }

  /** Times out every call past its deadline; returns the next deadline. */
  private expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.calls.entries()) {
      if (call.deadline <= now) {
        this.abandon(id, new CellError('CELL_E_TIMEOUT', `no reply within ${call.timeoutMs} ms`, { details: { timeoutMs: call.timeoutMs } }));
      } else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }

  /** The connection is gone: every call fails with `reason` (made only if a call is left: an Error costs its stack trace). */
  failAll(reasonFor: () => CellError<string>): void {
    this.deadlines.stop();
    if (this.calls.size === 0) return;
    const reason = reasonFor();
    for (const [id, call] of this.calls.entries()) {
      this.settle(id, call);
      call.credit?.cancel();
      call.inbox?.fail(reason);
      call.reject(reason);
    }
  }
}
