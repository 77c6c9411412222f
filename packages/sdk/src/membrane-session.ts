import type { Socket } from 'node:net';
import {
  CellError,
  decodeBody,
  encodeBody,
  FLAG_STREAM_IN,
  type Frame,
  FrameKind,
  type OversizeFrame,
  newTraceId,
  toCellError,
} from '@cell/protocol';
import { CallContext, type CallerInfo, type ContextHost } from './call-context.ts';
import { DeadlineTimer } from './deadline-timer.ts';
import { ServerCall } from './server-call.ts';
import { peerIdFromKey } from './peer-key.ts';
import { FramedConnection } from './framed-connection.ts';
import { GENOME_METHOD, parseClientHello, PROTOCOL_VERSION, type ClientHello } from './handshake.ts';
import type { Logger } from './logger.ts';
import type { MethodEntry } from './method-table.ts';
import { StreamCredit, StreamInbox } from './stream-flow.ts';
import type { Genome } from './genome.ts';
import type { Validator } from './validator.ts';

/** The other node, for a connection that came in over an axon (TLS). */
export interface RemotePeer {
  /** Raw Ed25519 key it proved it holds. */
  key: Buffer;
  address: string;
  /** Our address as the peer reached it (what to advertise back to it). */
  localAddress: string;
}

/** What a session needs from its membrane. */
export interface SessionHost {
  isAllowed(key: Buffer): boolean;
  readonly genome: Genome;
  readonly replica: string | undefined;
  readonly methods: Map<string, MethodEntry>;
  readonly events: Map<string, Validator>;
  readonly log: Logger;
  readonly maxFrameBytes: number;
  readonly frameTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxInFlight: number;
  readonly maxWriteBacklogBytes: number;
  readonly windowBytes: number;
  readonly validateOutput: boolean;
  /** Counts calls across sessions (for idle detection and draining). */
  callStarted(): void;
  callEnded(): void;
  sessionClosed(session: MembraneSession): void;
}


function isPromiseLike(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

function isAsyncIterable(v: unknown): v is AsyncIterable<unknown> {
  return v != null && typeof (v as Record<symbol, unknown>)[Symbol.asyncIterator] === 'function';
}

function isIterable(v: unknown): v is Iterable<unknown> {
  return v != null && typeof (v as Record<symbol, unknown>)[Symbol.iterator] === 'function';
}

/** The membrane's side of one caller connection: handshake, dispatch, streams, cancellation. */
export class MembraneSession implements ContextHost {
  private readonly host: SessionHost;
  private readonly conn: FramedConnection;
  private readonly calls = new Map<number, ServerCall>();
  private hello: ClientHello | undefined;
  caller: CallerInfo = {};
  private peerWindowBytes = 0;
  private peerMaxFrameBytes = 0;
  private readonly handshakeTimer: NodeJS.Timeout;
  private readonly deadlines = new DeadlineTimer((now) => this.expire(now));
  readonly log: Logger;
  private draining = false;

  private readonly remote: RemotePeer | undefined;

  constructor(socket: Socket, host: SessionHost, remote?: RemotePeer) {
    this.host = host;
    this.remote = remote;
    this.log = host.log;
    this.conn = new FramedConnection(
      socket,
      {
        maxFrameBytes: host.maxFrameBytes,
        frameTimeoutMs: host.frameTimeoutMs,
        maxWriteBacklogBytes: host.maxWriteBacklogBytes,
      },
      {
        frame: (f) => this.onFrame(f),
        oversize: (info) => this.onOversize(info),
        close: (err) => this.onClose(err),
      },
    );
    this.handshakeTimer = setTimeout(() => {
      this.protocolError(`no handshake within ${host.handshakeTimeoutMs} ms`);
    }, host.handshakeTimeoutMs);
    this.handshakeTimer.unref();
  }

  get inFlight(): number {
    return this.calls.size;
  }

  /** Sends one of the contract's events to this caller. */
  emit(event: string, payload: unknown): void {
    if (!this.hello) return;
    this.conn.send({ kind: FrameKind.EVENT, streamId: 0, name: event, body: encodeBody(payload) });
  }

  /** Asks the caller to open new calls elsewhere; calls in flight continue. */
  goAway(): void {
    if (this.draining) return;
    this.draining = true;
    if (this.hello) this.conn.send({ kind: FrameKind.GOAWAY, streamId: 0 });
    if (this.calls.size === 0) this.conn.end();
  }

  /** Closes at once; calls in flight see their signal abort. */
  close(reason: CellError<string>): void {
    this.conn.destroy(reason);
  }

  private protocolError(message: string): void {
    this.log.warn({ component: 'sdk.membrane', peer: this.caller.cell, reason: message }, 'closing connection after protocol error');
    this.conn.fail(new CellError('CELL_E_PROTOCOL', message));
  }

  private sendError(streamId: number, error: CellError<string>): void {
    this.conn.send({ kind: FrameKind.ERROR, streamId, body: encodeBody(error.toJSON()) });
  }

  private onOversize(info: OversizeFrame): void {
    const error = new CellError(
      'CELL_E_FRAME_TOO_LARGE',
      `frame of ${info.declaredBytes} bytes exceeds the limit of ${this.host.maxFrameBytes} bytes`,
      { details: { declaredBytes: info.declaredBytes, maxFrameBytes: this.host.maxFrameBytes } },
    );
    const call = this.calls.get(info.streamId);
    if (call) this.finishCall(info.streamId, call, error);
    else if (info.kind === FrameKind.REQUEST && this.hello) this.sendError(info.streamId, error);
    else if (!this.hello) this.protocolError('oversized frame before handshake');
  }

  private onFrame(f: Frame): void {
    if (!this.hello) {
      if (f.kind !== FrameKind.HELLO) return this.protocolError(`expected HELLO, got frame kind ${f.kind}`);
      return this.onHello(f);
    }
    switch (f.kind) {
      case FrameKind.REQUEST:
        return this.onRequest(f);
      case FrameKind.STREAM_DATA:
        return this.onStreamData(f);
      case FrameKind.STREAM_END:
        return this.calls.get(f.streamId)?.inbox?.end();
      case FrameKind.CANCEL:
        return this.onCancel(f.streamId);
      case FrameKind.CREDIT:
        return this.onCredit(f);
      case FrameKind.EVENT:
        return this.onNotify(f);
      case FrameKind.PING:
        this.conn.send({ kind: FrameKind.PONG, streamId: f.streamId, body: f.body });
        return;
      case FrameKind.PONG:
      case FrameKind.GOAWAY:
        return;
      default:
        return this.protocolError(`callers may not send frame kind ${f.kind}`);
    }
  }

  private onHello(f: Frame): void {
    let hello: ClientHello;
    try {
      hello = parseClientHello(decodeBody(f.body));
    } catch (err) {
      return this.protocolError(toCellError(err, 'CELL_E_PROTOCOL').message);
    }
    clearTimeout(this.handshakeTimer);
    if (this.remote && !this.host.isAllowed(this.remote.key)) {
      const node = peerIdFromKey(this.remote.key);
      this.log.warn({ component: 'sdk.membrane', peer: node, address: this.remote.address, caller: hello.cell }, 'refused a node whose key is not allowed');
      return this.conn.fail(
        new CellError('CELL_E_DENIED', `node ${node} is not allowed to call ${this.host.genome.name} (add it to [auth] allowed_keys)`, { details: { node } }),
      );
    }
    this.hello = hello;
    this.caller = {
      cell: hello.cell,
      replica: hello.replica,
      fingerprint: hello.fingerprint,
      ...(this.remote ? { node: peerIdFromKey(this.remote.key), address: this.remote.address, localAddress: this.remote.localAddress } : {}),
    };
    this.peerWindowBytes = hello.windowBytes;
    this.peerMaxFrameBytes = hello.maxFrameBytes;
    const g = this.host.genome;
    this.conn.send({
      kind: FrameKind.HELLO,
      streamId: 0,
      body: encodeBody({
        v: PROTOCOL_VERSION,
        role: 'server',
        name: g.name,
        version: g.version,
        fingerprint: g.fingerprint,
        replica: this.host.replica,
        pid: process.pid,
        maxFrameBytes: this.host.maxFrameBytes,
        windowBytes: this.host.windowBytes,
      }),
    });
    if (this.draining) this.conn.send({ kind: FrameKind.GOAWAY, streamId: 0 });
  }

  private decode(f: Frame): { ok: true; value: unknown } | { ok: false } {
    try {
      return { ok: true, value: decodeBody(f.body) };
    } catch {
      return { ok: false };
    }
  }

  private onRequest(f: Frame): void {
    const id = f.streamId;
    if (this.calls.has(id)) return this.protocolError(`stream id ${id} is already in use`);
    const name = f.name ?? '';
    if (name === GENOME_METHOD) {
      this.conn.send({ kind: FrameKind.RESPONSE, streamId: id, body: encodeBody(this.host.genome) });
      return;
    }
    const entry = this.host.methods.get(name);
    if (!entry) {
      return this.sendError(
        id,
        new CellError('CELL_E_UNKNOWN_METHOD', `cell ${this.host.genome.name} has no method ${JSON.stringify(name)}`, {
          details: { method: name },
        }),
      );
    }
    if (this.calls.size >= this.host.maxInFlight) {
      return this.sendError(
        id,
        new CellError('CELL_E_OVERLOADED', `more than ${this.host.maxInFlight} calls in flight on one connection`),
      );
    }
    const streamIn = (f.flags & FLAG_STREAM_IN) !== 0;
    if (streamIn !== entry.streamsIn) {
      return this.sendError(id, new CellError('CELL_E_PROTOCOL', `method ${name} ${entry.streamsIn ? 'takes' : 'does not take'} a stream`));
    }
    let input: unknown;
    if (!streamIn) {
      const decoded = this.decode(f);
      if (!decoded.ok) return this.sendError(id, new CellError('CELL_E_PROTOCOL', 'request body is not valid msgpack'));
      input = decoded.value;
      if (!entry.input.check(input)) return this.sendError(id, invalidInput(name, entry.input.issues(input)));
    }
    if (f.deadlineMs === 0) return this.sendError(id, new CellError('CELL_E_TIMEOUT', 'deadline passed before the call arrived'));

    const call = new ServerCall(entry, f.deadlineMs === undefined ? Infinity : Date.now() + f.deadlineMs);
    if (f.deadlineMs !== undefined) this.deadlines.watch(call.deadline);
    if (streamIn) {
      call.inbox = new StreamInbox(
        this.host.windowBytes,
        (bytes) => this.conn.send({ kind: FrameKind.CREDIT, streamId: id, body: encodeBody(bytes) }),
        () => undefined,
      );
      input = call.inbox;
    }
    if (entry.streamsOut) call.credit = new StreamCredit(this.peerWindowBytes);
    this.calls.set(id, call);
    this.host.callStarted();

    const ctx = new CallContext(call, f.trace ?? newTraceId(), this);
    let result: unknown;
    try {
      result = entry.handler(input, ctx as never);
    } catch (err) {
      return this.finishCall(id, call, this.handlerError(entry, err, ctx));
    }
    if (entry.streamsOut) {
      void this.pumpOutput(id, call, entry, result, ctx);
    } else if (isPromiseLike(result)) {
      result.then(
        (out) => this.reply(id, call, entry, out, ctx),
        (err: unknown) => this.finishCall(id, call, this.handlerError(entry, err, ctx)),
      );
    } else {
      this.reply(id, call, entry, result, ctx);
    }
  }

  private reply(id: number, call: ServerCall, entry: MethodEntry, out: unknown, ctx: CallContext): void {
    if (this.calls.get(id) !== call) return; // cancelled or timed out meanwhile
    if (this.host.validateOutput && entry.output && !entry.output.check(out)) {
      return this.finishCall(id, call, this.invalidOutput(entry, entry.output, out, ctx));
    }
    const body = encodeBody(out);
    if (body !== undefined && body.length + 64 > this.peerMaxFrameBytes) {
      return this.finishCall(id, call, tooLargeForPeer(body.length, this.peerMaxFrameBytes));
    }
    this.conn.send({ kind: FrameKind.RESPONSE, streamId: id, body });
    this.endCall(id, call);
  }

  private async pumpOutput(id: number, call: ServerCall, entry: MethodEntry, result: unknown, ctx: CallContext): Promise<void> {
    const credit = call.credit!;
    let iterator: AsyncIterator<unknown> | Iterator<unknown> | undefined;
    try {
      if (isAsyncIterable(result)) iterator = result[Symbol.asyncIterator]();
      else if (isIterable(result)) iterator = result[Symbol.iterator]();
      else throw new TypeError(`handler of stream method ${entry.name} did not return an iterable`);
      const onAbort = () => void iterator?.return?.();
      call.signal.addEventListener('abort', onAbort, { once: true });
      for (;;) {
        await credit.available();
        await this.conn.whenWritable();
        if (this.calls.get(id) !== call) return;
        const step = await iterator.next();
        if (this.calls.get(id) !== call) return;
        if (step.done) break;
        if (this.host.validateOutput && entry.output && !entry.output.check(step.value)) {
          throw this.invalidOutput(entry, entry.output, step.value, ctx);
        }
        const body = encodeBody(step.value);
        const bytes = body?.length ?? 0;
        if (bytes + 64 > this.peerMaxFrameBytes) throw tooLargeForPeer(bytes, this.peerMaxFrameBytes);
        credit.spend(bytes + 1);
        this.conn.send({ kind: FrameKind.STREAM_DATA, streamId: id, body });
      }
      this.conn.send({ kind: FrameKind.STREAM_END, streamId: id });
      this.endCall(id, call);
    } catch (err) {
      if (this.calls.get(id) !== call) return;
      this.finishCall(id, call, this.handlerError(entry, err, ctx));
    }
  }

  private onStreamData(f: Frame): void {
    const call = this.calls.get(f.streamId);
    if (!call?.inbox) return; // finished or cancelled call: late data is dropped
    const decoded = this.decode(f);
    const entry = call.entry;
    if (!decoded.ok) return this.finishCall(f.streamId, call, new CellError('CELL_E_PROTOCOL', 'stream item is not valid msgpack'));
    if (!entry.input.check(decoded.value)) {
      return this.finishCall(f.streamId, call, invalidInput(entry.name, entry.input.issues(decoded.value)));
    }
    if (!call.inbox.push(decoded.value, (f.body?.length ?? 0) + 1, this.host.maxFrameBytes)) {
      this.protocolError('caller sent stream data beyond its credit');
    }
  }

  private onCredit(f: Frame): void {
    const call = this.calls.get(f.streamId);
    if (!call?.credit) return;
    const decoded = this.decode(f);
    const bytes = decoded.ok ? decoded.value : undefined;
    if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0 || bytes > 0xffff_ffff) {
      return this.protocolError('CREDIT body must be a positive integer');
    }
    call.credit.add(bytes);
  }

  private onCancel(id: number): void {
    const call = this.calls.get(id);
    if (call) this.finishCall(id, call, new CellError('CELL_E_CANCELLED', 'the caller cancelled the call'), false);
  }

  private onNotify(f: Frame): void {
    const name = f.name ?? '';
    const entry = this.host.methods.get(name);
    const decoded = this.decode(f);
    if (!entry || entry.def.kind !== 'notify' || !decoded.ok || !entry.input.check(decoded.value)) {
      this.log.warn({ component: 'sdk.membrane', method: name, peer: this.caller.cell }, 'dropped an invalid notification');
      return;
    }
    const ctx = new CallContext(new ServerCall(entry, Infinity), f.trace ?? newTraceId(), this);
    try {
      const r = entry.handler(decoded.value, ctx as never);
      if (isPromiseLike(r)) r.then(undefined, (err: unknown) => this.handlerError(entry, err, ctx));
    } catch (err) {
      this.handlerError(entry, err, ctx);
    }
  }

  emitChecked(event: string, payload: unknown): void {
    const validator = this.host.events.get(event);
    if (!validator) throw new CellError('CELL_E_INVALID_ARGUMENT', `contract ${this.host.genome.name} declares no event ${event}`);
    if (!validator.check(payload)) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `payload of event ${event} breaks its schema`, {
        details: { errors: validator.issues(payload) },
      });
    }
    this.emit(event, payload);
  }

  /** Maps whatever a handler threw to what the caller may see. */
  private handlerError(entry: MethodEntry, err: unknown, ctx: CallContext): CellError<string> {
    const code = (err as { code?: unknown } | null)?.code;
    if (typeof code === 'string' && entry.errors.has(code)) {
      const details = (err as { details?: unknown }).details;
      const validator = entry.errors.get(code)!;
      if (validator.check(details)) {
        return new CellError(code, (err as Error).message ?? code, { details, declared: true });
      }
      ctx.log.error({ component: 'sdk.membrane', err, errors: validator.issues(details) }, 'declared error has invalid details');
      return new CellError('CELL_E_INTERNAL', `handler of ${entry.name} raised ${code} with details that break its schema`);
    }
    ctx.log.error({ component: 'sdk.membrane', err }, 'handler failed with an undeclared error');
    const message = err instanceof Error ? err.message : String(err);
    return new CellError('CELL_E_INTERNAL', `handler of ${entry.name} failed: ${message}`, {
      details: typeof code === 'string' ? { cause: code } : undefined,
    });
  }

  private invalidOutput(entry: MethodEntry, validator: Validator, out: unknown, ctx: CallContext): CellError<string> {
    const errors = validator.issues(out);
    ctx.log.error({ component: 'sdk.membrane', errors }, 'handler returned output that breaks its schema');
    return new CellError('CELL_E_INTERNAL', `handler of ${entry.name} returned output that breaks its schema`, {
      details: { errors },
    });
  }

  /** Times out every call past its deadline; returns the next deadline. */
  private expire(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.calls) {
      if (call.deadline <= now) this.finishCall(id, call, new CellError('CELL_E_TIMEOUT', 'the call passed its deadline'), false);
      else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }

  private endCall(id: number, call: ServerCall): void {
    this.calls.delete(id);
    call.credit?.cancel();
    this.host.callEnded();
    if (this.draining && this.calls.size === 0) this.conn.end();
  }

  /** Ends a call with an error; the caller is told unless it already gave up. */
  private finishCall(id: number, call: ServerCall, error: CellError<string>, tell = true): void {
    if (this.calls.get(id) !== call) return;
    if (tell) this.sendError(id, error);
    this.endCall(id, call);
    call.inbox?.fail(error);
    call.abort(error);
  }

  private onClose(err: CellError<string> | undefined): void {
    clearTimeout(this.handshakeTimer);
    this.deadlines.stop();
    const reason = new CellError('CELL_E_UNAVAILABLE', 'the caller disconnected', { cause: err });
    for (const [id, call] of [...this.calls]) this.finishCall(id, call, reason, false);
    this.host.sessionClosed(this);
  }
}

function invalidInput(method: string, errors: Array<{ path: string; message: string }>): CellError {
  const first = errors[0];
  return new CellError(
    'CELL_E_INVALID_INPUT',
    `invalid input for ${method}${first ? `: ${first.path} ${first.message}` : ''}`,
    { details: { errors } },
  );
}

function tooLargeForPeer(bytes: number, limit: number): CellError {
  return new CellError('CELL_E_FRAME_TOO_LARGE', `reply of ${bytes} bytes exceeds the caller's limit of ${limit} bytes`, {
    details: { bytes, maxFrameBytes: limit },
  });
}
