import cluster from 'node:cluster';
import { unlinkSync } from 'node:fs';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server } from 'node:tls';
import type { Static } from 'typebox';
import { CellError, DEFAULT_SPANS, encodeBody, encodeFrame, FrameKind } from '@cell/protocol';
import { type Contract, type Genome, toGenome } from '@cell/contract';
import {
  type CallHandle,
  type Clock,
  type ContextHost,
  DEFAULT_LIMITS,
  keyFromPeerId,
  listenAxon,
  listenUnix,
  listenUnixFd,
  type MembraneLimits,
  isLocalPeerAllowed,
  MembraneSession,
  peerCredentials,
  type PeerCredentials,
  type MethodEntry,
  type RemotePeer,
  type SessionHost,
  SpanLog,
  systemClock,
  type Validator,
} from '@cell/wire';
import { CallContext } from './call-context.ts';
import { persistCompileCache } from './compile-cache.ts';
import { trimMemoryAsLaunched } from './idle-memory.ts';
import { attachCellProcess } from './cell-process.ts';
import type { Handlers } from './contract-types.ts';
import { launchSettings } from './launch.ts';
import { processLog, type Logger } from './logger.ts';
import { buildEventTable, buildMethodTable } from './method-table.ts';
import { type AxonServeOptions, axonFromLaunch, checkServeOptions, streamWindows, type ServeOptions } from './options.ts';

/** A running membrane: the server side of a cell. */
export interface Membrane<C extends Contract = Contract> {
  readonly socketPath: string;
  readonly genome: Genome;
  /** The recent spans of the calls it served (what `cell trace` reads); undefined with `spans: 0`. */
  readonly spans: Pick<SpanLog, 'find' | 'since' | 'capacity'> | undefined;
  /** Open caller connections. */
  readonly connections: number;
  /** Of those, the ones from other nodes (over the axon). */
  readonly axonConnections: number;
  /** Calls being handled right now, across connections. */
  readonly inFlight: number;
  /** Epoch ms of the last connection opened or closed, or of the last call that ended with no connection open: when idleness began. */
  readonly lastActivityAt: number;
  /** TCP port other nodes reach this membrane on, when it serves an axon. */
  readonly axonPort: number | undefined;
  /** Sends an event to every connected caller. */
  emit<E extends keyof C['events'] & string>(event: E, payload: Static<C['events'][E]>): void;
  /** Stops accepting, asks callers to go elsewhere (GOAWAY), lets calls in flight finish for up to `graceMs`, then closes what is left. */
  stop(options?: { graceMs?: number }): Promise<void>;
}

class UnixMembrane<C extends Contract> implements Membrane<C>, SessionHost {
  readonly genome: Genome;
  readonly identity: { name: string; version: string; fingerprint: string };
  readonly socketPath: string;
  readonly replica: string | undefined;
  readonly methods: Map<string, MethodEntry>;
  readonly events: Map<string, Validator>;
  readonly log: Logger;
  /** The process logger, without this module's `component`: handlers' and the process integration's lines derive from it. */
  readonly baseLog: Logger;
  /** One debug line per call, decided once from the logger's level (docs/logging.md). */
  readonly logCalls: boolean;
  /** The recent spans of the calls served, for `cell trace` (undefined with `spans: 0`). */
  readonly spans: SpanLog | undefined;
  readonly limits: MembraneLimits;
  readonly validateOutput: boolean;
  readonly clock: Clock = systemClock;
  inFlight = 0;
  callsStarted = 0; // since listening: what tells an idle cell from a busy one
  lastActivityAt = Date.now();
  axonPort: number | undefined;
  private axonServer: Server | undefined;
  private readonly axon: AxonServeOptions | undefined;
  private readonly allowed: Set<string> | 'any';
  private readonly sessions = new Set<MembraneSession>();
  private readonly maxConnections: number;
  private refusedSince = 0;
  private readonly refusedUids = new Set<number>();
  /** Reads a local caller's uid: only the same user and root are served over the Unix socket. */
  private readonly peers: PeerCredentials;
  private server: NetServer | undefined;
  private readonly socketFd: number | undefined;
  private stopping: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];
  private stopTrim: (() => void) | undefined;

  constructor(contract: C, handlers: Handlers<C>, options: ServeOptions) {
    checkServeOptions(options);
    const launch = launchSettings();
    const socketPath = options.socketPath ?? launch.socket;
    if (!socketPath) throw new CellError('CELL_E_INVALID_ARGUMENT', 'serve() needs socketPath (or CELL_SOCKET in the environment)');
    this.socketPath = socketPath;
    // A capsid's socket is inherited, bound by its nucleus outside the sandbox (docs/capsid.md).
    this.socketFd = options.socketPath === undefined ? launch.socketFd : undefined;
    this.genome = toGenome(contract);
    this.identity = { name: this.genome.name, version: this.genome.version, fingerprint: this.genome.fingerprint };
    this.replica = options.replica ?? launch.replica;
    this.methods = buildMethodTable(contract, handlers as Record<string, unknown>);
    this.events = buildEventTable(contract);
    this.baseLog = options.logger ?? processLog();
    this.log = this.baseLog.child({ component: 'sdk.membrane' });
    this.logCalls = this.log.isLevelEnabled('debug');
    const spans = options.spans ?? launch.spans ?? DEFAULT_SPANS;
    this.spans = spans > 0 ? new SpanLog(spans) : undefined;
    const { start: streamWindowBytes, max: maxStreamWindowBytes } = streamWindows(options);
    this.limits = {
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes,
      frameTimeoutMs: options.frameTimeoutMs ?? DEFAULT_LIMITS.frameTimeoutMs,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULT_LIMITS.handshakeTimeoutMs,
      maxInFlightPerConnection: options.maxInFlightPerConnection ?? DEFAULT_LIMITS.maxInFlightPerConnection,
      maxWriteBacklogBytes: options.maxWriteBacklogBytes ?? DEFAULT_LIMITS.maxWriteBacklogBytes,
      streamWindowBytes,
      maxStreamWindowBytes,
    };
    this.validateOutput = options.validateOutput ?? true;
    this.maxConnections = options.maxConnections ?? launch.maxConnections ?? DEFAULT_LIMITS.maxConnections;
    this.peers = peerCredentials(launch.koffi);
    this.axon = options.axon ?? axonFromLaunch();
    const keys = this.axon?.allowedKeys ?? [];
    this.allowed = keys === 'any' ? 'any' : new Set(keys.map((k) => keyFromPeerId(k).toString('hex')));
  }

  /** Whether a remote node may call: local (Unix socket) callers are always allowed. */
  isAllowed(key: Buffer): boolean {
    return this.allowed === 'any' || this.allowed.has(key.toString('hex'));
  }

  createContext(call: CallHandle, trace: Buffer, session: ContextHost): CallContext {
    return new CallContext(call, trace, session, this.baseLog);
  }

  get connections(): number {
    return this.sessions.size;
  }

  /** Of those, the ones from other nodes (over the axon). */
  get axonConnections(): number {
    let n = 0;
    for (const s of this.sessions) if (s.overAxon) n++;
    return n;
  }

  async listen(): Promise<void> {
    const onConnection = (socket: Socket) => this.accept(socket, undefined);
    const borrowed = { borrowedReads: true }; // its sockets read into the shared read buffer
    this.server = this.socketFd === undefined ? await listenUnix(this.socketPath, onConnection, borrowed) : await listenUnixFd(this.socketFd, onConnection, borrowed);
    if (this.axon) {
      const { server, port } = await listenAxon(this.axon.host, this.axon.port ?? 0, this.axon.credentials, (socket, key) =>
        this.accept(socket, { key, address: `${socket.remoteAddress}:${socket.remotePort}`, localAddress: socket.localAddress ?? '' }),
      );
      this.axonServer = server;
      this.axonPort = port;
    }
    const uidsUnchecked = this.peers.unavailable;
    this.log.info({ socket: this.socketPath, axonPort: this.axonPort, fingerprint: this.genome.fingerprint, ...(uidsUnchecked && { uidsUnchecked }) }, 'membrane listening');
    this.stopTrim = trimMemoryAsLaunched(this, this.baseLog, this.clock);
  }

  private accept(socket: Socket, remote: RemotePeer | undefined): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= this.maxConnections) return this.refuseOverLimit(socket);
    if (remote === undefined) {
      const uid = this.peers.uidOf(socket);
      if (!isLocalPeerAllowed(uid)) return this.refuseStranger(socket, uid as number);
    }
    this.lastActivityAt = Date.now();
    this.sessions.add(new MembraneSession(socket, this, remote));
  }

  /** One connection too many: told why (the caller's handshake fails with it), then closed. */
  private refuseOverLimit(socket: Socket): void {
    const error = new CellError('CELL_E_OVERLOADED', `${this.genome.name} holds its limit of ${this.maxConnections} connections; try again later`, {
      details: { maxConnections: this.maxConnections },
    });
    refuseConnection(socket, error);
    // One line per burst, not one per refused connection.
    if (this.refusedSince++ === 0) this.log.warn({ maxConnections: this.maxConnections }, 'refusing connections over the limit');
  }

  /** A local caller of another user (a lax umask, a chmod): only the same user and root may call over the Unix socket. */
  private refuseStranger(socket: Socket, uid: number): void {
    refuseConnection(socket, new CellError('CELL_E_DENIED', `${this.genome.name} serves local callers of its own user only; uid ${uid} may not call it`, { details: { uid } }));
    // One line per user, not one per refused connection.
    if (!this.refusedUids.has(uid)) this.log.warn({ uid }, 'refused a local caller of another user');
    this.refusedUids.add(uid);
  }

  callStarted(): void {
    this.inFlight++;
    this.callsStarted++;
  }

  callEnded(): void {
    if (--this.inFlight === 0) {
      // Idle means no connection and no call: while a connection is open its close will stamp the
      // time, so the clock is read only for a call that outlived its connection (under pipelined
      // calls a membrane empties after every call, and read the clock each time).
      if (this.sessions.size === 0) this.lastActivityAt = Date.now();
      this.wakeIdle();
    }
  }

  sessionClosed(session: MembraneSession): void {
    this.sessions.delete(session);
    if (this.refusedSince > 0 && this.sessions.size < this.maxConnections) {
      this.log.info({ refused: this.refusedSince }, 'accepting connections again');
      this.refusedSince = 0;
    }
    this.lastActivityAt = Date.now();
    if (this.sessions.size === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    if (this.idleWaiters.length === 0) return; // the common case: every call that empties the membrane comes here
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  emit(event: string, payload: unknown): void {
    const validator = this.events.get(event);
    if (!validator) throw new CellError('CELL_E_INVALID_ARGUMENT', `contract ${this.genome.name} declares no event ${event}`);
    if (!validator.check(payload)) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `payload of event ${event} breaks its schema`, { details: { errors: validator.issues(payload) } });
    }
    for (const s of this.sessions) s.emit(event, payload);
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.drain(options.graceMs ?? 5000);
    return this.stopping;
  }

  private async drain(graceMs: number): Promise<void> {
    this.stopTrim?.();
    const server = this.server;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    this.axonServer?.close();
    for (const s of this.sessions) s.goAway();
    const deadline = Date.now() + graceMs;
    while ((this.inFlight > 0 || this.sessions.size > 0) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = this.clock.setTimer(resolve, deadline - Date.now());
        this.idleWaiters.push(() => {
          this.clock.clearTimer(timer);
          resolve();
        });
      });
    }
    const reason = new CellError('CELL_E_UNAVAILABLE', 'the cell is shutting down');
    for (const s of [...this.sessions]) s.close(reason);
    // Under the nucleus the socket file and its handle belong to it (another replica may be serving
    // on it), and a shared handle never reports 'close' in the replica: do not wait for it there.
    if (!cluster.isWorker) {
      await closed;
      try {
        // An inherited socket's file is its binder's (a capsid's nucleus may already serve a new generation on it).
        if (this.socketFd === undefined) unlinkSync(this.socketPath);
      } catch {
        // already gone: closing the server removes it
      }
    }
    this.log.info({ socket: this.socketPath }, 'membrane stopped');
  }
}

/** Tells a caller why in an ERROR frame its handshake fails with, then closes the connection. */
function refuseConnection(socket: Socket, error: CellError): void {
  socket.on('error', () => undefined);
  socket.end(encodeFrame({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody(error.toJSON()) }));
  setTimeout(() => socket.destroy(), 1000).unref();
}

/**
 * Starts the membrane of a cell: listens on a Unix socket and dispatches calls to `handlers`,
 * validating every input against the contract first.
 */
export async function serve<C extends Contract>(contract: C, handlers: Handlers<C>, options: ServeOptions = {}): Promise<Membrane<C>> {
  const membrane = new UnixMembrane(contract, handlers, options);
  await membrane.listen();
  attachCellProcess(membrane, membrane.baseLog);
  persistCompileCache();
  return membrane;
}
