import cluster from 'node:cluster';
import { unlinkSync } from 'node:fs';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server } from 'node:tls';
import type { Static } from 'typebox';
import { CellError } from '@cell/protocol';
import type { Contract } from './contract.ts';
import type { Handlers } from './contract-types.ts';
import { toGenome, type Genome } from './genome.ts';
import { processLog, type Logger } from './logger.ts';
import { buildEventTable, buildMethodTable, type MethodEntry } from './method-table.ts';
import { MembraneSession, type RemotePeer, type SessionHost } from './membrane-session.ts';
import { DEFAULT_STREAM_WINDOW_BYTES } from './stream-flow.ts';
import { listenUnix } from './unix-transport.ts';
import { type AxonCredentials, listenAxon, loadAxonCredentials } from './axon-transport.ts';
import { keyFromPeerId } from './peer-key.ts';
import { attachCellProcess } from './cell-process.ts';
import type { Validator } from './validator.ts';

/** Options of `serve`. Every limit has a safe default. */
export interface ServeOptions {
  /** Unix socket to listen on; default `CELL_SOCKET` from the environment. */
  socketPath?: string | undefined;
  /** Replica id announced in the handshake; default `CELL_REPLICA`. */
  replica?: string | undefined;
  /** Default: JSON lines on stdout when run by the runtime, silent otherwise. */
  logger?: Logger | undefined;
  /** Largest frame accepted from a caller. Default 16 MiB. */
  maxFrameBytes?: number | undefined;
  /** A partly received frame must complete within this long. Default 30 s. */
  frameTimeoutMs?: number | undefined;
  /** A new connection must send HELLO within this long. Default 10 s. */
  handshakeTimeoutMs?: number | undefined;
  /** Calls in flight per connection before CELL_E_OVERLOADED. Default 4096. */
  maxInFlightPerConnection?: number | undefined;
  /** Stop reading a connection while this much output waits for it. Default 4 MiB. */
  maxWriteBacklogBytes?: number | undefined;
  /** Per-stream flow-control window. Default 256 KiB. */
  streamWindowBytes?: number | undefined;
  /** Check handler output against the contract. Default true. */
  validateOutput?: boolean | undefined;
  /**
   * Also serve other nodes over TLS (an axon). Default: from the environment the nucleus sets
   * (`CELL_AXON_HOST`, `CELL_IDENTITY_FILE`, `CELL_ALLOWED_KEYS`); none otherwise.
   */
  axon?: AxonServeOptions | undefined;
}

/** How a membrane serves other nodes. */
export interface AxonServeOptions {
  host: string;
  /** 0 (default) picks a free port; `membrane.axonPort` tells which. */
  port?: number | undefined;
  credentials: AxonCredentials;
  /** Node keys (peer ids) allowed to call; `'any'` for every authenticated node. Empty: nobody. */
  allowedKeys: 'any' | readonly string[];
}

/** A running membrane: the server side of a cell. */
export interface Membrane<C extends Contract = Contract> {
  readonly socketPath: string;
  readonly genome: Genome;
  /** Open caller connections. */
  readonly connections: number;
  /** Calls being handled right now, across connections. */
  readonly inFlight: number;
  /** Epoch ms when the membrane last became free of calls, or a connection opened or closed. */
  readonly lastActivityAt: number;
  /** TCP port other nodes reach this membrane on, when it serves an axon. */
  readonly axonPort: number | undefined;
  /** Sends an event to every connected caller. */
  emit<E extends keyof C['events'] & string>(event: E, payload: Static<C['events'][E]>): void;
  /**
   * Stops accepting, asks callers to go elsewhere (GOAWAY), lets calls in flight finish for up to
   * `graceMs`, then closes what is left.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
}

const DEFAULTS = {
  maxFrameBytes: 16 * 1024 * 1024,
  frameTimeoutMs: 30_000,
  handshakeTimeoutMs: 10_000,
  maxInFlightPerConnection: 4096,
  maxWriteBacklogBytes: 4 * 1024 * 1024,
  streamWindowBytes: DEFAULT_STREAM_WINDOW_BYTES,
};

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${name} must be a positive number, got ${value}`);
  }
  return value;
}

class UnixMembrane<C extends Contract> implements Membrane<C>, SessionHost {
  readonly genome: Genome;
  readonly socketPath: string;
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
  inFlight = 0;
  lastActivityAt = Date.now();
  axonPort: number | undefined;
  private axonServer: Server | undefined;
  private readonly axon: AxonServeOptions | undefined;
  private readonly allowed: Set<string> | 'any';
  private readonly sessions = new Set<MembraneSession>();
  private server: NetServer | undefined;
  private stopping: Promise<void> | undefined;
  private idleWaiters: Array<() => void> = [];

  constructor(contract: C, handlers: Handlers<C>, options: ServeOptions) {
    const socketPath = options.socketPath ?? process.env['CELL_SOCKET'];
    if (!socketPath) throw new CellError('CELL_E_INVALID_ARGUMENT', 'serve() needs socketPath (or CELL_SOCKET in the environment)');
    this.socketPath = socketPath;
    this.genome = toGenome(contract);
    this.replica = options.replica ?? process.env['CELL_REPLICA'];
    this.methods = buildMethodTable(contract, handlers as Record<string, unknown>);
    this.events = buildEventTable(contract);
    this.log = (options.logger ?? processLog()).child({ component: 'sdk.membrane' });
    this.maxFrameBytes = positive('maxFrameBytes', options.maxFrameBytes, DEFAULTS.maxFrameBytes);
    this.frameTimeoutMs = positive('frameTimeoutMs', options.frameTimeoutMs, DEFAULTS.frameTimeoutMs);
    this.handshakeTimeoutMs = positive('handshakeTimeoutMs', options.handshakeTimeoutMs, DEFAULTS.handshakeTimeoutMs);
    this.maxInFlight = positive('maxInFlightPerConnection', options.maxInFlightPerConnection, DEFAULTS.maxInFlightPerConnection);
    this.maxWriteBacklogBytes = positive('maxWriteBacklogBytes', options.maxWriteBacklogBytes, DEFAULTS.maxWriteBacklogBytes);
    this.windowBytes = positive('streamWindowBytes', options.streamWindowBytes, DEFAULTS.streamWindowBytes);
    this.validateOutput = options.validateOutput ?? true;
    this.axon = options.axon ?? axonFromEnv();
    const keys = this.axon?.allowedKeys ?? [];
    this.allowed = keys === 'any' ? 'any' : new Set(keys.map((k) => keyFromPeerId(k).toString('hex')));
  }

  /** Whether a remote node may call: local (Unix socket) callers are always allowed. */
  isAllowed(key: Buffer): boolean {
    return this.allowed === 'any' || this.allowed.has(key.toString('hex'));
  }

  get connections(): number {
    return this.sessions.size;
  }

  async listen(): Promise<void> {
    this.server = await listenUnix(this.socketPath, (socket) => this.accept(socket, undefined));
    if (this.axon) {
      const { server, port } = await listenAxon(this.axon.host, this.axon.port ?? 0, this.axon.credentials, (socket, key) =>
        this.accept(socket, { key, address: `${socket.remoteAddress}:${socket.remotePort}`, localAddress: socket.localAddress ?? '' }),
      );
      this.axonServer = server;
      this.axonPort = port;
    }
    this.log.info({ socket: this.socketPath, axonPort: this.axonPort, fingerprint: this.genome.fingerprint }, 'membrane listening');
  }

  private accept(socket: Socket, remote: RemotePeer | undefined): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.lastActivityAt = Date.now();
    this.sessions.add(new MembraneSession(socket, this, remote));
  }

  callStarted(): void {
    this.inFlight++;
  }

  callEnded(): void {
    // Only the moment the last call ends matters for idleness; no clock read per call.
    if (--this.inFlight === 0) {
      this.lastActivityAt = Date.now();
      this.wakeIdle();
    }
  }

  sessionClosed(session: MembraneSession): void {
    this.sessions.delete(session);
    this.lastActivityAt = Date.now();
    if (this.sessions.size === 0) this.wakeIdle();
  }

  private wakeIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  emit(event: string, payload: unknown): void {
    const validator = this.events.get(event);
    if (!validator) throw new CellError('CELL_E_INVALID_ARGUMENT', `contract ${this.genome.name} declares no event ${event}`);
    if (!validator.check(payload)) {
      throw new CellError('CELL_E_INVALID_ARGUMENT', `payload of event ${event} breaks its schema`, {
        details: { errors: validator.issues(payload) },
      });
    }
    for (const s of this.sessions) s.emit(event, payload);
  }

  stop(options: { graceMs?: number } = {}): Promise<void> {
    this.stopping ??= this.drain(options.graceMs ?? 5000);
    return this.stopping;
  }

  private async drain(graceMs: number): Promise<void> {
    const server = this.server;
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    this.axonServer?.close();
    for (const s of this.sessions) s.goAway();
    const deadline = Date.now() + graceMs;
    while ((this.inFlight > 0 || this.sessions.size > 0) && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const reason = new CellError('CELL_E_UNAVAILABLE', 'the cell is shutting down');
    for (const s of [...this.sessions]) s.close(reason);
    // A handle shared by the nucleus never reports 'close' in the replica: do not wait for it there.
    if (!cluster.isWorker) await closed;
    // Under the nucleus the socket file belongs to it (another replica may be serving on it).
    if (!cluster.isWorker) {
      try {
        unlinkSync(this.socketPath);
      } catch {
        // already gone: closing the server removes it
      }
    }
    this.log.info({ socket: this.socketPath }, 'membrane stopped');
  }
}

/** The axon the nucleus configured for this process, if any. */
function axonFromEnv(): AxonServeOptions | undefined {
  const host = process.env['CELL_AXON_HOST'];
  if (!host) return undefined;
  const credentials = loadAxonCredentials();
  if (!credentials) return undefined;
  const raw = process.env['CELL_ALLOWED_KEYS'] ?? '';
  const allowedKeys = raw.trim() === '*' ? 'any' : raw.split(',').map((k) => k.trim()).filter(Boolean);
  return { host, port: Number(process.env['CELL_AXON_PORT'] ?? 0), credentials, allowedKeys };
}

/**
 * Starts the membrane of a cell: listens on a Unix socket and dispatches calls to `handlers`,
 * validating every input against the contract first.
 */
export async function serve<C extends Contract>(contract: C, handlers: Handlers<C>, options: ServeOptions = {}): Promise<Membrane<C>> {
  const membrane = new UnixMembrane(contract, handlers, options);
  await membrane.listen();
  attachCellProcess(membrane, membrane.log);
  return membrane;
}
