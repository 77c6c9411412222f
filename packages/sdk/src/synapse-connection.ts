import type { Socket } from 'node:net';
import {
  CellError,
  decodeBody,
  encodeBody,
  FLAG_STREAM_IN,
  type Frame,
  FrameKind,
  fromWireError,
  type OversizeFrame,
  traceFromHex,
} from '@cell/protocol';
import { DeadlineTimer } from './deadline-timer.ts';
import { PeakEwma } from './peak-ewma.ts';
import { FramedConnection } from './framed-connection.ts';
import { parseServerHello, PROTOCOL_VERSION, type ServerHello } from './handshake.ts';
import type { Logger } from './logger.ts';
import { GENOME_METHOD } from './handshake.ts';
import { StreamCredit, StreamInbox } from './stream-flow.ts';

/** Limits and identity a synapse connection runs with. */
export interface SynapseConnectionConfig {
  maxFrameBytes: number;
  frameTimeoutMs: number;
  maxWriteBacklogBytes: number;
  windowBytes: number;
  handshakeTimeoutMs: number;
  /** Name of the cell we expect to reach. */
  target: string | undefined;
  fingerprint: string | undefined;
  cell: string | undefined;
  replica: string | undefined;
  log: Logger;
  onEvent(name: string, payload: unknown): void;
  /** Measure each unary call's round trip (for the racer). */
  trackLatency?: boolean | undefined;
  /** The other node's key (peer id), for a connection over an axon. */
  remoteNode?: string | undefined;
  /**
   * Across hosts a dead peer (cut link, frozen machine) sends nothing, not even a reset: with
   * calls in flight and nothing received for this long, ping; after twice as long, give up on the
   * connection (CELL_E_UNAVAILABLE, so the racer fails over). Undefined: no liveness checks.
   */
  livenessMs?: number | undefined;
}

/** Per-call options as the wire layer reads them (CallOptions, or a CallContext). */
export interface WireCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Undefined means the default. */
  readonly timeoutMs?: number | undefined;
  readonly trace?: string | undefined;
  readonly traceId?: Buffer | undefined;
}

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: CellError<string>): void;
  inbox: StreamInbox<unknown> | undefined;
  credit: StreamCredit | undefined;
  /** Absolute deadline (epoch ms); Infinity for none. */
  deadline: number;
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  /** performance.now() when sent, when latency is tracked; 0 otherwise. */
  sentAt: number;
}

function pendingCall(resolve: (value: unknown) => void, reject: (error: CellError<string>) => void): PendingCall {
  return { resolve, reject, inbox: undefined, credit: undefined, deadline: Infinity, timeoutMs: undefined, signal: undefined, onAbort: undefined, sentAt: 0 };
}

const NO_OP = (): void => undefined;
/** Room for the frame header when checking a body against the peer's limit. */
const HEADER_ALLOWANCE_BYTES = 300;

const NO_OPTIONS: WireCallOptions = {};

/** The caller's trace, or `'new'` to have a fresh id written straight into the frame. */
function traceFor(opts: WireCallOptions): Buffer | 'new' {
  if (opts.traceId !== undefined && opts.traceId.length === 16) return opts.traceId;
  if (opts.trace !== undefined) return traceFromHex(opts.trace) ?? 'new';
  return 'new';
}

/** The caller's side of one connection to a membrane. */
export class SynapseConnection {
  readonly remote: ServerHello;
  /** Round-trip estimate (peak EWMA, ms), when latency is tracked. */
  readonly latency: PeakEwma | undefined;
  /** Unary calls sent on this connection. */
  calls = 0;
  /** The other node (peer id), over an axon; undefined on a local socket. */
  readonly remoteNode: string | undefined;
  private readonly conn: FramedConnection;
  private readonly config: SynapseConnectionConfig;
  private readonly pending = new Map<number, PendingCall>();
  private nextId = 1;
  private draining = false;
  private readonly deadlines = new DeadlineTimer((now) => this.expire(now));
  private lastHeardAt = Date.now();
  private liveness: NodeJS.Timeout | undefined;
  private closeReason: CellError<string> | undefined;
  private readonly closeListeners: Array<() => void> = [];

  private constructor(conn: FramedConnection, remote: ServerHello, config: SynapseConnectionConfig, handshakeMs: number) {
    this.conn = conn;
    this.remote = remote;
    this.config = config;
    this.latency = config.trackLatency ? new PeakEwma(handshakeMs) : undefined;
    this.remoteNode = config.remoteNode;
    const livenessMs = config.livenessMs;
    if (livenessMs !== undefined) {
      this.liveness = setInterval(() => this.checkLiveness(livenessMs), Math.max(10, livenessMs / 2));
      this.liveness.unref();
    }
  }

  /** Performs the handshake on a connected socket. */
  static open(socket: Socket, config: SynapseConnectionConfig): Promise<SynapseConnection> {
    return new Promise((resolve, reject) => {
      let self: SynapseConnection | undefined;
      const early: Frame[] = [];
      const started = performance.now();
      const timer = setTimeout(() => {
        conn.destroy(new CellError('CELL_E_UNAVAILABLE', `no handshake reply within ${config.handshakeTimeoutMs} ms`));
      }, config.handshakeTimeoutMs);
      const conn = new FramedConnection(
        socket,
        { maxFrameBytes: config.maxFrameBytes, frameTimeoutMs: config.frameTimeoutMs, maxWriteBacklogBytes: config.maxWriteBacklogBytes },
        {
          frame: (f) => {
            if (self) return self.onFrame(f);
            if (f.kind !== FrameKind.HELLO) {
              if (f.kind === FrameKind.ERROR) {
                clearTimeout(timer);
                reject(fromWireError(safeDecode(f.body)));
                conn.destroy(new CellError('CELL_E_UNAVAILABLE', 'handshake refused'));
                return;
              }
              early.push(f);
              return;
            }
            clearTimeout(timer);
            try {
              self = new SynapseConnection(conn, parseServerHello(decodeBody(f.body)), config, performance.now() - started);
            } catch (err) {
              const error = err instanceof CellError ? err : new CellError('CELL_E_PROTOCOL', 'malformed handshake reply');
              conn.fail(error);
              reject(error);
              return;
            }
            for (const e of early) self.onFrame(e);
            resolve(self);
          },
          oversize: (info) => self?.onOversize(info),
          close: (err) => {
            clearTimeout(timer);
            if (self) self.onClose(err);
            else reject(err ?? new CellError('CELL_E_UNAVAILABLE', 'connection closed during handshake'));
          },
        },
      );
      conn.send({
        kind: FrameKind.HELLO,
        streamId: 0,
        body: encodeBody({
          v: PROTOCOL_VERSION,
          role: 'client',
          target: config.target,
          fingerprint: config.fingerprint,
          cell: config.cell,
          replica: config.replica,
          maxFrameBytes: config.maxFrameBytes,
          windowBytes: config.windowBytes,
        }),
      });
    });
  }

  /** Open, not told to go away: new calls may use it. */
  get isUsable(): boolean {
    return this.conn.isOpen && !this.draining;
  }

  get isOpen(): boolean {
    return this.conn.isOpen;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  onceClosed(listener: () => void): void {
    if (!this.conn.isOpen) listener();
    else this.closeListeners.push(listener);
  }

  /** Closes the connection; calls in flight fail with `reason`. */
  close(reason: CellError<string>): void {
    this.closeReason = reason;
    this.conn.destroy(reason);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = id >= 0xffff_fffe ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  private checkSize(body: Buffer | undefined): CellError | undefined {
    const bytes = body?.length ?? 0;
    if (bytes + HEADER_ALLOWANCE_BYTES <= this.remote.maxFrameBytes) return undefined;
    return new CellError('CELL_E_FRAME_TOO_LARGE', `input of ${bytes} bytes exceeds the cell's limit of ${this.remote.maxFrameBytes} bytes`, {
      details: { bytes, maxFrameBytes: this.remote.maxFrameBytes },
    });
  }

  /** Registers a call and wires its deadline and abort signal. Returns the id, or rejects at once. */
  private register(call: PendingCall, opts: WireCallOptions, timeoutMs: number | undefined): number | undefined {
    if (opts.signal?.aborted) {
      call.reject(new CellError('CELL_E_CANCELLED', 'the call was aborted before it started'));
      return undefined;
    }
    if (timeoutMs !== undefined && timeoutMs <= 0) {
      call.reject(new CellError('CELL_E_TIMEOUT', 'the deadline passed before the call started'));
      return undefined;
    }
    const id = this.allocateId();
    if (timeoutMs !== undefined) {
      call.timeoutMs = timeoutMs;
      call.deadline = Date.now() + timeoutMs;
      this.deadlines.watch(call.deadline);
    }
    if (opts.signal) {
      call.signal = opts.signal;
      call.onAbort = () => this.abandon(id, new CellError('CELL_E_CANCELLED', 'the caller aborted the call'));
      opts.signal.addEventListener('abort', call.onAbort, { once: true });
    }
    this.pending.set(id, call);
    return id;
  }

  /** The caller gave up (deadline or abort): tell the cell, fail locally. */
  private abandon(id: number, error: CellError<string>): void {
    const call = this.pending.get(id);
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
    for (const [id, call] of this.pending) {
      if (call.deadline <= now) {
        this.abandon(id, new CellError('CELL_E_TIMEOUT', `no reply within ${call.timeoutMs} ms`, { details: { timeoutMs: call.timeoutMs } }));
      } else if (call.deadline < next) next = call.deadline;
    }
    return next;
  }

  private settle(id: number, call: PendingCall): void {
    this.pending.delete(id);
    if (call.onAbort) call.signal?.removeEventListener('abort', call.onAbort);
    if (this.draining && this.pending.size === 0) this.conn.end();
  }

  /** A request/response call; `defaultTimeoutMs` applies when the options set none. */
  unary(method: string | Buffer, input: unknown, opts: WireCallOptions = NO_OPTIONS, defaultTimeoutMs?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const body = encodeBody(input);
      const tooLarge = this.checkSize(body);
      if (tooLarge) return reject(tooLarge);
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      const call = pendingCall(resolve, reject);
      const id = this.register(call, opts, timeoutMs);
      if (id === undefined) return;
      if (this.latency) call.sentAt = performance.now();
      this.calls++;
      this.conn.send({ kind: FrameKind.REQUEST, streamId: id, name: method, deadlineMs: timeoutMs, trace: traceFor(opts), body });
    });
  }

  /**
   * A call with streamed output and/or input. Returns the output inbox (for output streams) and a
   * promise of the final reply (for input-only streams).
   */
  stream(
    method: string,
    input: unknown,
    source: AsyncIterable<unknown> | Iterable<unknown> | undefined,
    streamsOut: boolean,
    opts: WireCallOptions,
    defaultTimeoutMs: number | undefined,
  ): { inbox: StreamInbox<unknown> | undefined; reply: Promise<unknown> } {
    let inbox: StreamInbox<unknown> | undefined;
    let id: number | undefined;
    const reply = new Promise<unknown>((resolve, reject) => {
      const body = source === undefined ? encodeBody(input) : undefined;
      const tooLarge = this.checkSize(body);
      const call = pendingCall(resolve, reject);
      if (streamsOut) {
        inbox = new StreamInbox(
          this.config.windowBytes,
          (bytes) => id !== undefined && this.conn.send({ kind: FrameKind.CREDIT, streamId: id, body: encodeBody(bytes) }),
          () => id !== undefined && this.abandon(id, new CellError('CELL_E_CANCELLED', 'the reader stopped early')),
        );
        call.inbox = inbox;
      }
      if (tooLarge) {
        inbox?.fail(tooLarge);
        return reject(tooLarge);
      }
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      if (source !== undefined) call.credit = new StreamCredit(this.remote.windowBytes);
      id = this.register(call, opts, timeoutMs);
      if (id === undefined) {
        inbox?.fail(new CellError('CELL_E_CANCELLED', 'the call did not start'));
        return;
      }
      this.conn.send({
        kind: FrameKind.REQUEST,
        streamId: id,
        flags: source === undefined ? 0 : FLAG_STREAM_IN,
        name: method,
        deadlineMs: timeoutMs,
        trace: traceFor(opts),
        body,
      });
      if (source !== undefined) void this.pumpInput(id, call, source);
    });
    // A stream's reply promise may never be awaited by callers that only read the stream.
    if (streamsOut) reply.catch(NO_OP);
    return { inbox, reply };
  }

  private async pumpInput(id: number, call: PendingCall, source: AsyncIterable<unknown> | Iterable<unknown>): Promise<void> {
    const credit = call.credit!;
    try {
      for await (const item of source) {
        if (this.pending.get(id) !== call) return;
        const body = encodeBody(item);
        const tooLarge = this.checkSize(body);
        if (tooLarge) throw tooLarge;
        await credit.available();
        await this.conn.whenWritable();
        if (this.pending.get(id) !== call || credit.isCancelled) return;
        credit.spend((body?.length ?? 0) + 1);
        this.conn.send({ kind: FrameKind.STREAM_DATA, streamId: id, body });
      }
      if (this.pending.get(id) === call) this.conn.send({ kind: FrameKind.STREAM_END, streamId: id });
    } catch (err) {
      const error =
        err instanceof CellError
          ? (err as CellError<string>)
          : new CellError('CELL_E_STREAM_ABORTED', `the input stream failed: ${(err as Error)?.message ?? String(err)}`, { cause: err });
      this.abandon(id, error);
    }
  }

  /** Sends a fire-and-forget notification. */
  notify(method: string, input: unknown): void {
    const body = encodeBody(input);
    const tooLarge = this.checkSize(body);
    if (tooLarge) throw tooLarge;
    this.conn.send({ kind: FrameKind.EVENT, streamId: 0, name: method, trace: 'new', body });
  }

  /** Fetches the live genome of the cell. */
  genome(timeoutMs: number): Promise<unknown> {
    return this.unary(GENOME_METHOD, undefined, NO_OPTIONS, timeoutMs);
  }

  /** Round trip of a PING frame, in ms. */
  ping(timeoutMs: number): Promise<number> {
    const started = performance.now();
    return new Promise<unknown>((resolve, reject) => {
      const call = pendingCall(resolve, reject);
      const id = this.register(call, {}, timeoutMs);
      if (id !== undefined) this.conn.send({ kind: FrameKind.PING, streamId: id });
    }).then(() => performance.now() - started);
  }

  private onOversize(info: OversizeFrame): void {
    const error = new CellError('CELL_E_FRAME_TOO_LARGE', `reply of ${info.declaredBytes} bytes exceeds the limit of ${this.config.maxFrameBytes} bytes`, {
      details: { declaredBytes: info.declaredBytes, maxFrameBytes: this.config.maxFrameBytes },
    });
    const call = this.pending.get(info.streamId);
    if (call) this.abandon(info.streamId, error);
  }

  private protocolError(message: string): void {
    this.config.log.warn({ component: 'sdk.synapse', peer: this.remote.name, reason: message }, 'closing connection after protocol error');
    this.conn.fail(new CellError('CELL_E_PROTOCOL', message));
  }

  private checkLiveness(livenessMs: number): void {
    if (this.pending.size === 0) return;
    const silentMs = Date.now() - this.lastHeardAt;
    if (silentMs > 2 * livenessMs) {
      this.conn.destroy(new CellError('CELL_E_UNAVAILABLE', `${this.remote.name} stopped answering (nothing for ${silentMs} ms with calls in flight)`));
    } else if (silentMs > livenessMs) {
      this.conn.send({ kind: FrameKind.PING, streamId: 0 });
    }
  }

  private onFrame(f: Frame): void {
    this.lastHeardAt = Date.now();
    const call = f.streamId === 0 ? undefined : this.pending.get(f.streamId);
    switch (f.kind) {
      case FrameKind.RESPONSE:
      case FrameKind.PONG: {
        if (!call) return;
        let value: unknown;
        try {
          value = decodeBody(f.body);
        } catch {
          this.settle(f.streamId, call);
          return call.reject(new CellError('CELL_E_PROTOCOL', 'reply body is not valid msgpack'));
        }
        this.settle(f.streamId, call);
        if (call.sentAt > 0) this.latency?.observe(performance.now() - call.sentAt);
        call.credit?.cancel();
        call.inbox?.end();
        return call.resolve(value);
      }
      case FrameKind.ERROR: {
        const error = fromWireError(safeDecode(f.body));
        if (f.streamId === 0) return this.conn.destroy(error);
        if (!call) return;
        this.settle(f.streamId, call);
        if (call.sentAt > 0) this.latency?.observe(performance.now() - call.sentAt);
        call.credit?.cancel();
        call.inbox?.fail(error);
        return call.reject(error);
      }
      case FrameKind.STREAM_DATA: {
        if (!call?.inbox) return;
        let value: unknown;
        try {
          value = decodeBody(f.body);
        } catch {
          return this.abandon(f.streamId, new CellError('CELL_E_PROTOCOL', 'stream item is not valid msgpack'));
        }
        if (!call.inbox.push(value, (f.body?.length ?? 0) + 1, this.config.maxFrameBytes)) {
          this.protocolError('cell sent stream data beyond its credit');
        }
        return;
      }
      case FrameKind.STREAM_END: {
        if (!call) return;
        this.settle(f.streamId, call);
        call.credit?.cancel();
        call.inbox?.end();
        return call.resolve(undefined);
      }
      case FrameKind.CREDIT: {
        const bytes = safeDecode(f.body);
        if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0 || bytes > 0xffff_ffff) {
          return this.protocolError('CREDIT body must be a positive integer');
        }
        call?.credit?.add(bytes);
        return;
      }
      case FrameKind.EVENT: {
        let payload: unknown;
        try {
          payload = decodeBody(f.body);
        } catch {
          return this.protocolError('event body is not valid msgpack');
        }
        this.config.onEvent(f.name ?? '', payload);
        return;
      }
      case FrameKind.GOAWAY:
        this.draining = true;
        if (this.pending.size === 0) this.conn.end();
        return;
      case FrameKind.PING:
        this.conn.send({ kind: FrameKind.PONG, streamId: f.streamId, body: f.body });
        return;
      default:
        return this.protocolError(`cells may not send frame kind ${f.kind}`);
    }
  }

  private onClose(err: CellError<string> | undefined): void {
    this.deadlines.stop();
    if (this.liveness) clearInterval(this.liveness);
    const reason =
      this.closeReason ??
      new CellError('CELL_E_UNAVAILABLE', `connection to ${this.remote.name} closed with calls in flight`, { cause: err });
    for (const [id, call] of [...this.pending]) {
      this.settle(id, call);
      call.credit?.cancel();
      call.inbox?.fail(reason);
      call.reject(reason);
    }
    for (const l of this.closeListeners.splice(0)) l();
  }
}

function safeDecode(body: Buffer | undefined): unknown {
  try {
    return decodeBody(body);
  } catch {
    return undefined;
  }
}
