import { CellError, decodeFrameBody, encodeBody, encodeSentBody, fitsPayloadLimit, FLAG_EARLY, FLAG_STREAM_IN, type Frame, frameBodyBytes, FrameKind, newTraceId, nextSpan, toCellError } from '@cell/protocol';
import { CallTable } from '../connection/call-table.ts';
import type { FramedConnection } from '../connection/framed-connection.ts';
import { GENOME_METHOD } from '../connection/handshake.ts';
import type { WireLogger } from '../logger.ts';
import { StreamCredit, StreamInbox } from '../streams/stream-flow.ts';
import { ArrivalClock } from '../time/arrival-clock.ts';
import { DeadlineTimer } from '../time/deadline-timer.ts';
import { handlerError, invalidInput, invalidOutput, isPromiseLike, tooLargeForPeer } from './handler-outcome.ts';
import { CallLog } from './call-log.ts';
import { CallTimer } from './call-timer.ts';
import type { ContextHost, MethodEntry } from './method-entry.ts';
import { type OutputStreamSession, pumpOutput } from './output-pump.ts';
import { ServerCall } from './server-call.ts';
import type { SessionHost } from './session-host.ts';
import type { SpanLog } from './span-log.ts';

/** What the dispatcher needs from the session that owns the connection. */
export interface DispatchSession extends ContextHost {
  readonly conn: FramedConnection;
  /** The caller's limits, from its handshake. */
  readonly peerMaxFrameBytes: number;
  readonly peerWindowBytes: number;
  /** True once GOAWAY was sent: the connection ends when its last call does. */
  readonly draining: boolean;
  /** Whether calls the caller sent before our HELLO (FLAG_EARLY) may run: its HELLO named our genome, or none. */
  readonly earlyCallsRun: boolean;
  protocolError(message: string): void;
}

/**
 * The calls of one caller connection: decodes and validates each request, runs its handler,
 * sends its reply or typed error, feeds input streams and pumps output streams within credit,
 * and ends calls that are cancelled or pass their deadline.
 */
export class CallDispatcher implements OutputStreamSession {
  readonly conn: FramedConnection;
  readonly validateOutput: boolean;
  private readonly calls = new CallTable<ServerCall>();
  private readonly deadlines: DeadlineTimer;
  private readonly arrival: ArrivalClock; // when the requests being read arrived: their deadlines count from it
  private readonly host: SessionHost;
  private readonly session: DispatchSession;
  private readonly log: WireLogger;
  /** Set only when the membrane logs each call (debug): undefined costs one test per call. */
  private readonly callLog: CallLog | undefined;
  /** The membrane's recent spans, when it keeps them. */
  private readonly spans: SpanLog | undefined;
  /** Times calls when their methods count them or the membrane keeps spans; undefined costs one test per call. */
  private readonly timer: CallTimer | undefined;

  constructor(host: SessionHost, session: DispatchSession) {
    this.host = host;
    this.session = session;
    this.conn = session.conn;
    this.log = host.log;
    this.callLog = host.logCalls ? new CallLog(host.log, host.clock) : undefined;
    this.spans = host.spans;
    this.timer = this.spans !== undefined || countsCalls(host) ? new CallTimer(this.conn, this.spans, () => this.session.caller) : undefined;
    this.validateOutput = host.validateOutput;
    this.deadlines = new DeadlineTimer((now) => this.expire(now), host.clock);
    this.arrival = new ArrivalClock(host.clock, this.conn);
  }

  get size(): number {
    return this.calls.size;
  }

  get peerMaxFrameBytes(): number {
    return this.session.peerMaxFrameBytes;
  }

  isCurrent(id: number, call: ServerCall): boolean {
    return this.calls.get(id) === call;
  }

  sendError(streamId: number, error: CellError<string>): void {
    this.conn.send({ kind: FrameKind.ERROR, streamId, body: encodeBody(error.toJSON()) });
  }

  /** A frame for a call we hold was too large to read: that call fails. Returns false when there is no such call. */
  failOversized(id: number, error: CellError<string>): boolean {
    const call = this.calls.get(id);
    if (call) this.finish(id, call, error);
    return call !== undefined;
  }

  request(f: Frame): void {
    const id = f.streamId;
    if (id === 0 || this.calls.has(id)) return this.session.protocolError(id === 0 ? 'a REQUEST on stream 0 (the connection\'s own): calls use ids from 1' : `stream id ${id} is already in use`);
    const name = f.name ?? '';
    if (name === GENOME_METHOD) {
      this.conn.send({ kind: FrameKind.RESPONSE, streamId: id, body: encodeBody(this.host.genome) });
      return;
    }
    if ((f.flags & FLAG_EARLY) !== 0 && !this.session.earlyCallsRun) return this.refuse(f, notRunEarly());
    const entry = this.host.methods.get(name);
    if (!entry) {
      return this.refuse(f, new CellError('CELL_E_UNKNOWN_METHOD', `cell ${this.host.identity.name} has no method ${JSON.stringify(name)}`, { details: { method: name } }));
    }
    const maxInFlight = this.host.limits.maxInFlightPerConnection;
    if (this.calls.size >= maxInFlight) return this.refuse(f, new CellError('CELL_E_OVERLOADED', `more than ${maxInFlight} calls in flight on one connection`), entry);
    const streamIn = (f.flags & FLAG_STREAM_IN) !== 0;
    if (streamIn !== entry.streamsIn) {
      return this.refuse(f, new CellError('CELL_E_PROTOCOL', `method ${name} ${entry.streamsIn ? 'takes' : 'does not take'} a stream`));
    }
    let input: unknown;
    if (!streamIn) {
      const decoded = decode(f);
      if (!decoded.ok) return this.refuse(f, new CellError('CELL_E_PROTOCOL', 'request body is not valid msgpack'));
      input = decoded.value;
      if (!entry.input.check(input)) return this.refuse(f, invalidInput(name, entry.input.issues(input)), entry);
    }
    if (f.deadlineMs === 0) return this.refuse(f, new CellError('CELL_E_TIMEOUT', 'deadline passed before the call arrived'));
    const call = new ServerCall(entry, f.deadlineMs === undefined ? Infinity : this.arrival.now() + f.deadlineMs, id, f.trace ?? newTraceId());
    if (this.timer !== undefined) this.timer.began(call);
    if (this.spans !== undefined) this.startSpan(call, f);
    this.callLog?.started(call);
    if (f.deadlineMs !== undefined) this.deadlines.watch(call.deadline);
    if (streamIn) {
      const { streamWindowBytes, maxStreamWindowBytes } = this.host.limits;
      const grant = (bytes: number) => this.conn.send({ kind: FrameKind.CREDIT, streamId: id, body: encodeBody(bytes) });
      call.inbox = new StreamInbox(streamWindowBytes, grant, () => undefined, maxStreamWindowBytes);
      input = call.inbox;
    }
    if (entry.streamsOut) call.credit = new StreamCredit(this.session.peerWindowBytes);
    this.calls.set(id, call);
    this.host.callStarted();
    this.invoke(id, call, entry, input, this.host.createContext(call, call.traceId, this.session));
  }

  private invoke(id: number, call: ServerCall, entry: MethodEntry, input: unknown, ctx: unknown): void {
    let result: unknown;
    try {
      result = entry.handler(input, ctx as never);
    } catch (err) {
      return this.fail(id, call, err, true);
    }
    if (entry.streamsOut) void pumpOutput(this, id, call, entry, result, this.log.child(call.logFields()));
    else if (isPromiseLike(result)) {
      result.then(
        (out) => this.reply(id, call, entry, out),
        (err: unknown) => this.fail(id, call, err, true),
      );
    } else this.reply(id, call, entry, result);
  }

  private reply(id: number, call: ServerCall, entry: MethodEntry, out: unknown): void {
    if (this.calls.get(id) !== call) return; // cancelled or timed out meanwhile
    if (this.validateOutput && entry.output && !entry.output.check(out)) {
      return this.finish(id, call, invalidOutput(entry, entry.output, out, this.log.child(call.logFields())));
    }
    const body = encodeSentBody(out); // sent before anything else is encoded
    const limit = this.session.peerMaxFrameBytes;
    if (body !== undefined && !fitsPayloadLimit(body.length, limit)) return this.finish(id, call, tooLargeForPeer(body.length, limit));
    this.conn.send({ kind: FrameKind.RESPONSE, streamId: id, body });
    this.end(id, call);
  }

  /** Gives a call its span, under the caller's when it sent one. */
  private startSpan(call: ServerCall, f: Frame): void {
    call.span = nextSpan();
    call.parentSpan = f.span;
  }

  /** Refuses a request before any handler runs. */
  private refuse(f: Frame, error: CellError<string>, entry?: MethodEntry): void {
    entry?.stats.record(0, error.code);
    this.sendError(f.streamId, error);
    this.callLog?.refused(f, this.session.caller.cell, error);
    if (this.spans !== undefined && f.trace !== undefined) this.spans.refused(f.trace, f.span, nextSpan(), f.name ?? '', this.session.caller, error);
  }

  /** Ends a call with what its handler threw (mapped to what the caller may see), or an error as it is. */
  fail(id: number, call: ServerCall, error: unknown, thrownByHandler: boolean): void {
    if (this.calls.get(id) !== call) return;
    this.finish(id, call, thrownByHandler ? handlerError(call.entry, error, this.log.child(call.logFields())) : toCellError(error));
  }

  streamData(f: Frame): void {
    const call = this.calls.get(f.streamId);
    if (!call?.inbox) return; // finished or cancelled call: late data is dropped
    const decoded = decode(f);
    const entry = call.entry;
    if (!decoded.ok) return this.finish(f.streamId, call, new CellError('CELL_E_PROTOCOL', 'stream item is not valid msgpack'));
    if (!entry.input.check(decoded.value)) return this.finish(f.streamId, call, invalidInput(entry.name, entry.input.issues(decoded.value)));
    if (!call.inbox.push(decoded.value, frameBodyBytes(f) + 1, this.host.limits.maxFrameBytes)) this.session.protocolError('caller sent stream data beyond its credit');
  }

  streamEnd(id: number): void {
    this.calls.get(id)?.inbox?.end();
  }

  credit(f: Frame): void {
    const call = this.calls.get(f.streamId);
    if (!call?.credit) return;
    const decoded = decode(f);
    const bytes = decoded.ok ? decoded.value : undefined;
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0 || bytes > 0xffff_ffff) return this.session.protocolError('CREDIT body must be a positive integer');
    call.credit.add(bytes);
  }

  cancel(id: number): void {
    const call = this.calls.get(id);
    if (call) this.finish(id, call, new CellError('CELL_E_CANCELLED', 'the caller cancelled the call'), false);
  }

  /** A fire-and-forget notification: validated, handled, never answered. */
  notify(f: Frame): void {
    const name = f.name ?? '';
    const entry = this.host.methods.get(name);
    const decoded = decode(f);
    if ((f.flags & FLAG_EARLY) !== 0 && !this.session.earlyCallsRun) return this.log.warn({ method: name, caller: this.session.caller.cell }, 'dropped a notification sent before the handshake by a caller built against another genome');
    if (!entry || entry.kind !== 'notify' || !decoded.ok || !entry.input.check(decoded.value)) {
      this.log.warn({ method: name, caller: this.session.caller.cell }, 'dropped an invalid notification');
      return;
    }
    const call = new ServerCall(entry, Infinity, 0, f.trace ?? newTraceId());
    if (this.spans !== undefined) {
      this.startSpan(call, f);
      call.began = performance.now();
    }
    const log = this.log.child(call.logFields());
    const ctx = this.host.createContext(call, call.traceId, this.session);
    const failed = (err: unknown) => this.notified(call, handlerError(entry, err, log));
    try {
      const r = entry.handler(decoded.value, ctx as never);
      if (isPromiseLike(r)) r.then(() => this.notified(call, undefined), failed);
      else this.notified(call, undefined);
    } catch (err) {
      failed(err);
    }
  }

  /** A notification's handler finished: its span, when the membrane keeps them. */
  private notified(call: ServerCall, error: CellError<string> | undefined): void {
    if (call.span !== 0) this.spans?.ended(call, this.session.caller, error, performance.now() - call.began);
  }

  /** Times out every call past its deadline; returns the next deadline. */
  private expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.calls.entries()) {
      if (call.deadline <= now) this.finish(id, call, new CellError('CELL_E_TIMEOUT', 'the call passed its deadline'), false);
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }

  /** Ends a call: normally, or with `error` (from `finish`). */
  end(id: number, call: ServerCall, error?: CellError<string>): void {
    this.timer?.end(call, error);
    this.callLog?.ended(call, this.session.caller.cell, error);
    this.calls.delete(id);
    call.credit?.cancel();
    this.host.callEnded();
    if (this.session.draining && this.calls.size === 0) this.conn.end();
  }

  /** Ends a call with an error; the caller is told unless it already gave up. */
  private finish(id: number, call: ServerCall, error: CellError<string>, tell = true): void {
    if (this.calls.get(id) !== call) return;
    if (tell) this.sendError(id, error);
    this.end(id, call, error);
    call.inbox?.fail(error);
    call.abort(error);
  }

  /** The connection is gone: every call ends, its handler sees its signal abort (`reason` is made only if a call is left). */
  closeAll(reasonFor: () => CellError<string>): void {
    this.deadlines.stop();
    if (this.calls.size === 0) return;
    const reason = reasonFor();
    for (const [id, call] of this.calls.entries()) this.finish(id, call, reason, false);
  }
}

function decode(f: Frame): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: decodeFrameBody(f) };
  } catch {
    return { ok: false };
  }
}

/** Whether any method of the membrane counts its calls (all do, or none: the tree's metrics are on or off). */
function countsCalls(host: SessionHost): boolean {
  for (const entry of host.methods.values()) if (entry.stats.counting) return true;
  return false;
}

/** A call sent with the handshake by a caller built against another genome: not run; the caller checks the genome and sends it again. */
function notRunEarly(): CellError<string> {
  return new CellError('CELL_E_UNAVAILABLE', 'not run: sent before the handshake by a caller built against another genome (it checks the genome, then calls again)', {
    details: { early: true },
  });
}
