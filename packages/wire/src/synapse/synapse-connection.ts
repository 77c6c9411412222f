import type { Socket } from 'node:net';
import { CellError, decodeFrameBody, encodeBody, encodeSentBody, encodeWireBody, FLAG_STREAM_IN, type Frame, frameBodyBytes, FrameKind, fromWireError, type OversizeFrame } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import { GENOME_METHOD, type ServerHello } from '../connection/handshake.ts';
import type { WireLogger } from '../logger.ts';
import { StreamCredit, StreamInbox } from '../streams/stream-flow.ts';
import { PeakEwma } from '../time/peak-ewma.ts';
import { pumpInput } from './input-pump.ts';
import { type Liveness, watchLiveness } from './liveness.ts';
import { pendingCall, PendingCalls, type WireCallOptions } from './pending-calls.ts';
import { type HandshakeConfig, handshake, safeDecode } from './synapse-handshake.ts';
import { inputTooLarge } from './input-limit.ts';
import { type HelloMemoryConfig, LateHello } from './late-hello.ts';
import { parentSpanFor, traceFor } from './call-trace.ts';

/** Limits and identity a synapse connection runs with. */
export interface SynapseConnectionConfig extends HandshakeConfig, HelloMemoryConfig {
  log: WireLogger;
  onEvent(name: string, payload: unknown): void;
  /** Measure each unary call's round trip (for the racer). */
  trackLatency?: boolean | undefined;
  /** The other node's key (peer id), for a connection over an axon. */
  remoteNode?: string | undefined;
  /** Ping a silent peer with calls in flight after this long, drop it after twice as long. Undefined: never. */
  livenessMs?: number | undefined;
}

const NO_OP = (): void => undefined;
const NO_OPTIONS: WireCallOptions = {};

/** The caller's side of one connection to a membrane: calls, streams, events, liveness. */
export class SynapseConnection {
  /** The membrane's HELLO; a remembered one until its own arrives, when the connection was opened early. */
  remote: ServerHello;
  /** Round-trip estimate (peak EWMA, ms), when latency is tracked. */
  readonly latency: PeakEwma | undefined;
  /** Unary calls sent on this connection. */
  calls = 0;
  /** The other node (peer id), over an axon; undefined on a local socket. */
  readonly remoteNode: string | undefined;
  /** Epoch ms anything last arrived (kept only where liveness checks watch it: axons). */
  private lastHeardAt: number;
  private readonly conn: FramedConnection;
  private readonly config: SynapseConnectionConfig;
  private readonly pending: PendingCalls;
  private draining = false;
  private readonly liveness: Liveness | undefined;
  private closeReason: (() => CellError<string>) | undefined;
  private readonly closeListeners: Array<() => void> = [];
  /** The membrane's HELLO, when calls went out before it (their flags), and what is remembered of it. */
  private readonly hello: LateHello;

  private constructor(conn: FramedConnection, remote: ServerHello, config: SynapseConnectionConfig, handshakeMs: number, hello: LateHello) {
    this.conn = conn;
    this.remote = remote;
    this.hello = hello;
    this.config = config;
    this.lastHeardAt = config.clock.now();
    this.pending = new PendingCalls(conn, config.clock, () => this.draining && this.conn.end());
    this.latency = config.trackLatency ? new PeakEwma(handshakeMs, undefined, () => config.clock.monotonic()) : undefined;
    this.remoteNode = config.remoteNode;
    this.liveness = watchLiveness(config.livenessMs, config.clock, {
      inFlight: () => this.pending.size,
      lastHeardAt: () => this.lastHeardAt,
      ping: () => this.conn.send({ kind: FrameKind.PING, streamId: 0 }),
      giveUp: (silentMs) => this.conn.destroy(new CellError('CELL_E_UNAVAILABLE', `${remote.name} stopped answering (nothing for ${silentMs} ms with calls in flight)`)),
    });
  }

  /**
   * Performs the handshake on a connected socket. A membrane this process reached before (and that
   * takes calls with the handshake) is not waited for: calls go out behind our HELLO, flagged early.
   */
  static async open(socket: Socket, config: SynapseConnectionConfig): Promise<SynapseConnection> {
    const opened = await handshake(socket, config, LateHello.recall(config));
    const hello = new LateHello(opened, config, (error) => opened.conn.destroy(error));
    const self = new SynapseConnection(opened.conn, opened.hello, config, opened.handshakeMs, hello);
    opened.attach({ frame: (f) => self.onFrame(f), oversize: (info) => self.onOversize(info), close: (err) => self.onClose(err) });
    return self;
  }

  /** Calls sent now go out before the membrane's HELLO came (see LateHello); `handshaken()` waits for it. */
  get awaitingHello(): boolean {
    return this.hello.flag !== 0;
  }

  handshaken(): Promise<void> {
    return this.hello.wait();
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

  /** Closes the connection; calls in flight fail with `reason` (or what it makes, made only if a call is left). */
  close(reason: CellError<string> | (() => CellError<string>)): void {
    this.closeReason = typeof reason === 'function' ? reason : () => reason;
    this.conn.destroy(typeof reason === 'function' ? undefined : reason);
  }

  /** A request/response call; `defaultTimeoutMs` applies when the options set none. */
  unary(method: string | Buffer, input: unknown, opts: WireCallOptions = NO_OPTIONS, defaultTimeoutMs?: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const body = encodeSentBody(input); // sent below before anything else is encoded
      const tooLarge = inputTooLarge(body, this.remote.maxFrameBytes);
      // The remembered limit may be stale: the membrane's own HELLO decides.
      if (tooLarge && this.hello.flag !== 0) return void this.handshaken().then(() => this.unary(method, input, opts, defaultTimeoutMs)).then(resolve, reject);
      if (tooLarge) return reject(tooLarge);
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      const call = pendingCall(resolve, reject);
      const id = this.pending.register(call, opts, timeoutMs);
      if (id === undefined) return;
      if (this.latency) call.sentAt = this.config.clock.monotonic();
      this.calls++;
      this.conn.send({ kind: FrameKind.REQUEST, streamId: id, flags: this.hello.flag, name: method, deadlineMs: timeoutMs, trace: traceFor(opts), span: parentSpanFor(opts, this.remote), body });
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
      const body = source === undefined ? encodeWireBody(input) : undefined;
      const tooLarge = inputTooLarge(body, this.remote.maxFrameBytes);
      const call = pendingCall(resolve, reject);
      if (streamsOut) {
        inbox = new StreamInbox(
          this.config.windowBytes,
          (bytes) => id !== undefined && this.conn.send({ kind: FrameKind.CREDIT, streamId: id, body: encodeBody(bytes) }),
          () => id !== undefined && this.pending.abandon(id, new CellError('CELL_E_CANCELLED', 'the reader stopped early')),
          this.config.maxWindowBytes,
        );
        call.inbox = inbox;
      }
      if (tooLarge) {
        inbox?.fail(tooLarge);
        return reject(tooLarge);
      }
      const timeoutMs = opts.timeoutMs ?? defaultTimeoutMs;
      if (source !== undefined) call.credit = new StreamCredit(this.remote.windowBytes);
      id = this.pending.register(call, opts, timeoutMs);
      if (id === undefined) return void inbox?.fail(new CellError('CELL_E_CANCELLED', 'the call did not start'));
      this.conn.send({ kind: FrameKind.REQUEST, streamId: id, flags: source === undefined ? 0 : FLAG_STREAM_IN, name: method, deadlineMs: timeoutMs, trace: traceFor(opts), span: parentSpanFor(opts, this.remote), body });
      if (source !== undefined) void pumpInput(this.conn, this.pending, id, call, source, (b) => inputTooLarge(b, this.remote.maxFrameBytes));
    });
    // A stream's reply promise may never be awaited by callers that only read the stream.
    if (streamsOut) reply.catch(NO_OP);
    return { inbox, reply };
  }

  /** Sends a fire-and-forget notification (in the caller's trace, when its options carry one). */
  notify(method: string, input: unknown, opts: WireCallOptions = NO_OPTIONS): void {
    const body = encodeWireBody(input);
    const tooLarge = inputTooLarge(body, this.remote.maxFrameBytes);
    if (tooLarge) throw tooLarge;
    this.conn.send({ kind: FrameKind.EVENT, streamId: 0, name: method, trace: traceFor(opts), span: parentSpanFor(opts, this.remote), body });
  }

  /** Fetches the live genome of the cell. */
  genome(timeoutMs: number): Promise<unknown> {
    return this.unary(GENOME_METHOD, undefined, NO_OPTIONS, timeoutMs);
  }

  /** Round trip of a PING frame, in ms. */
  ping(timeoutMs: number): Promise<number> {
    const started = this.config.clock.monotonic();
    return new Promise<unknown>((resolve, reject) => {
      const call = pendingCall(resolve, reject);
      const id = this.pending.register(call, {}, timeoutMs);
      if (id !== undefined) this.conn.send({ kind: FrameKind.PING, streamId: id });
    }).then(() => this.config.clock.monotonic() - started);
  }

  private onOversize(info: OversizeFrame): void {
    const limit = this.config.maxFrameBytes;
    this.pending.abandon(
      info.streamId,
      new CellError('CELL_E_FRAME_TOO_LARGE', `reply of ${info.declaredBytes} bytes exceeds the limit of ${limit} bytes`, { details: { declaredBytes: info.declaredBytes, maxFrameBytes: limit } }),
    );
  }

  private protocolError(message: string): void {
    this.config.log.warn({ callee: this.remote.name, peer: this.remoteNode, reason: message }, 'closing connection after protocol error');
    this.conn.fail(new CellError('CELL_E_PROTOCOL', message));
  }

  private onFrame(f: Frame): void {
    if (this.liveness) this.lastHeardAt = this.config.clock.now(); // only liveness (axons) reads it
    const call = f.streamId === 0 ? undefined : this.pending.get(f.streamId);
    switch (f.kind) {
      case FrameKind.RESPONSE:
      case FrameKind.PONG: {
        if (!call) return;
        if (call.sentAt > 0) this.latency?.observe(this.config.clock.monotonic() - call.sentAt);
        let value: unknown;
        try {
          value = decodeFrameBody(f);
        } catch {
          return this.pending.fail(f.streamId, call, new CellError('CELL_E_PROTOCOL', 'reply body is not valid msgpack'));
        }
        return this.pending.complete(f.streamId, call, value);
      }
      case FrameKind.ERROR: {
        const error = fromWireError(safeDecode(f.body));
        // The handshake refused after calls went out with it: they fail with its reason.
        if (f.streamId === 0) return this.hello.flag !== 0 ? this.close(error) : this.conn.destroy(error);
        if (!call) return;
        if (call.sentAt > 0) this.latency?.observe(this.config.clock.monotonic() - call.sentAt);
        return this.pending.fail(f.streamId, call, error);
      }
      case FrameKind.STREAM_DATA: {
        if (!call?.inbox) return;
        let value: unknown;
        try {
          value = decodeFrameBody(f);
        } catch {
          return this.pending.abandon(f.streamId, new CellError('CELL_E_PROTOCOL', 'stream item is not valid msgpack'));
        }
        if (!call.inbox.push(value, frameBodyBytes(f) + 1, this.config.maxFrameBytes)) this.protocolError('cell sent stream data beyond its credit');
        return;
      }
      case FrameKind.STREAM_END:
        return call && this.pending.complete(f.streamId, call, undefined);
      case FrameKind.CREDIT: {
        const bytes = safeDecode(f.body);
        if (typeof bytes !== 'number' || !Number.isInteger(bytes) || bytes <= 0 || bytes > 0xffff_ffff) return this.protocolError('CREDIT body must be a positive integer');
        call?.credit?.add(bytes);
        return;
      }
      case FrameKind.EVENT: {
        let payload: unknown;
        try {
          payload = decodeFrameBody(f);
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
      case FrameKind.HELLO: {
        // The membrane's own, after calls went out on a remembered one: go on with it, or close.
        const judged = this.hello.arrived(this.remote, f.body);
        if (judged === undefined) return this.protocolError('cells send one HELLO');
        if (judged instanceof CellError) return this.close(judged);
        this.remote = judged;
        return;
      }
      default:
        return this.protocolError(`cells may not send frame kind ${f.kind}`);
    }
  }

  private onClose(err: CellError<string> | undefined): void {
    this.liveness?.stop();
    // `lostInFlight`: the cell got the call and went away while handling it (the racer retries such a call at most once).
    const reason = () =>
      this.closeReason?.() ??
      new CellError('CELL_E_UNAVAILABLE', `connection to ${this.remote.name}${this.remote.replica ? ` (${this.remote.replica})` : ''} closed with calls in flight`, {
        cause: err,
        details: { lostInFlight: true, replica: this.remote.replica ?? null },
      });
    this.hello.stop(() => this.closeReason?.() ?? err ?? new CellError('CELL_E_UNAVAILABLE', 'connection closed during handshake'));
    this.pending.failAll(reason);
    for (const l of this.closeListeners.splice(0)) l();
  }
}
