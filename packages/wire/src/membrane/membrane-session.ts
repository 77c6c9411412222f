import type { Socket } from 'node:net';
import { CellError, encodeBody, encodeWireBody, type Frame, FrameKind, type OversizeFrame, toCellError } from '@cell/protocol';
import { FramedConnection } from '../connection/framed-connection.ts';
import { PROTOCOL_VERSION } from '../connection/handshake.ts';
import { clientHellos } from '../connection/hello-memo.ts';
import type { WireLogger } from '../logger.ts';
import { peerIdFromKey } from '../transport/peer-key.ts';
import { CallDispatcher, type DispatchSession } from './call-dispatcher.ts';
import type { CallerInfo } from './method-entry.ts';
import type { SessionHost } from './session-host.ts';

/** The other node, for a connection that came in over an axon (TLS). */
export interface RemotePeer {
  /** Raw Ed25519 key it proved it holds. */
  key: Buffer;
  address: string;
  /** Our address as the peer reached it (what to advertise back to it). */
  localAddress: string;
}

/** Each host's HELLO, encoded once: it says the same to every caller. */
const serverHellos = new WeakMap<SessionHost, Buffer>();

function serverHelloOf(host: SessionHost): Buffer {
  let body = serverHellos.get(host);
  if (body === undefined) {
    const { name, version, fingerprint } = host.identity;
    const { maxFrameBytes, streamWindowBytes } = host.limits;
    body = encodeBody({ v: PROTOCOL_VERSION, role: 'server', name, version, fingerprint, replica: host.replica, pid: process.pid, maxFrameBytes, windowBytes: streamWindowBytes, spans: true, early: true })!;
    serverHellos.set(host, body);
  }
  return body;
}

/**
 * The membrane's side of one caller connection: the handshake (and, over an axon, whether the
 * caller's key may call), frame routing to its calls, events, GOAWAY and closing.
 */
export class MembraneSession implements DispatchSession {
  readonly conn: FramedConnection;
  caller: CallerInfo = {};
  peerMaxFrameBytes = 0;
  peerWindowBytes = 0;
  draining = false;
  /** Whether calls sent before our HELLO (flag 0x20) may run: the caller's HELLO named our genome, or none. */
  earlyCallsRun = false;
  private readonly host: SessionHost;
  private readonly log: WireLogger;
  private readonly calls: CallDispatcher;
  private greeted = false;
  private readonly handshakeTimer: unknown;
  private readonly remote: RemotePeer | undefined;

  /** True for a caller on another node (an axon), false for a local one (a Unix socket). */
  get overAxon(): boolean {
    return this.remote !== undefined;
  }

  constructor(socket: Socket, host: SessionHost, remote?: RemotePeer) {
    this.host = host;
    this.remote = remote;
    this.log = host.log;
    const { maxFrameBytes, frameTimeoutMs, maxWriteBacklogBytes } = host.limits;
    this.conn = new FramedConnection(
      socket,
      { maxFrameBytes, frameTimeoutMs, maxWriteBacklogBytes, pauseReadingOnBacklog: true },
      { frame: (f) => this.onFrame(f), oversize: (info) => this.onOversize(info), close: (err) => this.onClose(err) },
    );
    this.calls = new CallDispatcher(host, this);
    this.handshakeTimer = host.clock.setTimer(() => {
      if (!this.greeted) this.protocolError(`no handshake within ${host.limits.handshakeTimeoutMs} ms`);
    }, host.limits.handshakeTimeoutMs);
  }

  /** Calls being handled on this connection. */
  get inFlight(): number {
    return this.calls.size;
  }

  /** Sends one of the contract's events to this caller (already checked). */
  emit(event: string, payload: unknown): void {
    if (!this.greeted) return;
    this.conn.send({ kind: FrameKind.EVENT, streamId: 0, name: event, body: encodeWireBody(payload) });
  }

  emitChecked(event: string, payload: unknown): void {
    const validator = this.host.events.get(event);
    if (!validator) throw new CellError('CELL_E_INVALID_ARGUMENT', `contract ${this.host.identity.name} declares no event ${event}`);
    if (!validator.check(payload)) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `payload of event ${event} breaks its schema`, { details: { errors: validator.issues(payload) } });
    }
    this.emit(event, payload);
  }

  /** Asks the caller to open new calls elsewhere; calls in flight continue. */
  goAway(): void {
    if (this.draining) return;
    this.draining = true;
    if (this.greeted) this.conn.send({ kind: FrameKind.GOAWAY, streamId: 0 });
    if (this.calls.size === 0) this.conn.end();
  }

  /** Closes at once; calls in flight see their signal abort. */
  close(reason: CellError<string>): void {
    this.conn.destroy(reason);
  }

  protocolError(message: string): void {
    this.log.warn({ peer: this.caller.node, caller: this.caller.cell, reason: message }, 'closing connection after protocol error');
    this.conn.fail(new CellError('CELL_E_PROTOCOL', message));
  }

  private onOversize(info: OversizeFrame): void {
    const limit = this.host.limits.maxFrameBytes;
    const error = new CellError('CELL_E_FRAME_TOO_LARGE', `frame of ${info.declaredBytes} bytes exceeds the limit of ${limit} bytes`, {
      details: { declaredBytes: info.declaredBytes, maxFrameBytes: limit },
    });
    if (!this.greeted) return this.protocolError('oversized frame before handshake');
    if (!this.calls.failOversized(info.streamId, error) && info.kind === FrameKind.REQUEST) this.calls.sendError(info.streamId, error);
  }

  private onFrame(f: Frame): void {
    if (!this.greeted) {
      if (f.kind !== FrameKind.HELLO) return this.protocolError(`expected HELLO, got frame kind ${f.kind}`);
      return this.onHello(f);
    }
    switch (f.kind) {
      case FrameKind.REQUEST:
        return this.calls.request(f);
      case FrameKind.STREAM_DATA:
        return this.calls.streamData(f);
      case FrameKind.STREAM_END:
        return this.calls.streamEnd(f.streamId);
      case FrameKind.CANCEL:
        return this.calls.cancel(f.streamId);
      case FrameKind.CREDIT:
        return this.calls.credit(f);
      case FrameKind.EVENT:
        return this.calls.notify(f);
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
    let hello;
    try {
      hello = clientHellos.read(f.body);
    } catch (err) {
      return this.protocolError(toCellError(err, 'CELL_E_PROTOCOL').message);
    }
    this.host.clock.clearTimer(this.handshakeTimer);
    const remote = this.remote;
    if (remote && !this.host.isAllowed(remote.key)) {
      const node = peerIdFromKey(remote.key);
      this.log.warn({ peer: node, address: remote.address, caller: hello.cell }, 'refused a node whose key is not allowed');
      return this.conn.fail(
        new CellError('CELL_E_DENIED', `node ${node} is not allowed to call ${this.host.identity.name} (add it to [auth] allowed_keys)`, { details: { node } }),
      );
    }
    this.greeted = true;
    this.caller = {
      cell: hello.cell,
      replica: hello.replica,
      fingerprint: hello.fingerprint,
      ...(remote ? { node: peerIdFromKey(remote.key), address: remote.address, localAddress: remote.localAddress } : {}),
    };
    this.peerWindowBytes = hello.windowBytes;
    this.peerMaxFrameBytes = hello.maxFrameBytes;
    const { name, fingerprint } = this.host.identity;
    this.earlyCallsRun = (hello.fingerprint === undefined || hello.fingerprint === fingerprint) && (hello.target === undefined || hello.target === name);
    this.conn.send({ kind: FrameKind.HELLO, streamId: 0, body: serverHelloOf(this.host) });
    if (this.draining) this.conn.send({ kind: FrameKind.GOAWAY, streamId: 0 });
  }

  private onClose(err: CellError<string> | undefined): void {
    this.host.clock.clearTimer(this.handshakeTimer);
    this.calls.closeAll(() => new CellError('CELL_E_UNAVAILABLE', 'the caller disconnected', { cause: err }));
    this.host.sessionClosed(this);
  }
}
