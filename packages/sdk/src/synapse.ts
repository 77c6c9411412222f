import type { Static } from 'typebox';
import { CellError, isCellError } from '@cell/protocol';
import type { Contract, MethodDef } from './contract.ts';
import type { CallOptions, CallResult, ClientMethod, StreamSource } from './contract-types.ts';
import { compareGenomes } from './compatibility.ts';
import { type Genome, toGenome } from './genome.ts';
import type { ServerHello } from './handshake.ts';
import { processLog, type Logger } from './logger.ts';
import { DEFAULT_STREAM_WINDOW_BYTES } from './stream-flow.ts';
import { SynapseConnection } from './synapse-connection.ts';
import { connectUnix } from './unix-transport.ts';

/** Options of `connect`. */
export interface ConnectOptions {
  /** The cell's Unix socket. */
  socketPath: string;
  /** Default deadline of unary and client-stream calls. Default 30 s. Streams with output have none. */
  timeoutMs?: number | undefined;
  /** Connecting and handshaking must finish within this long. Default 5 s. */
  connectTimeoutMs?: number | undefined;
  /** Largest frame accepted from the cell. Default 16 MiB. */
  maxFrameBytes?: number | undefined;
  /** A partly received frame must complete within this long. Default 30 s. */
  frameTimeoutMs?: number | undefined;
  /** Per-stream flow-control window. Default 256 KiB. */
  streamWindowBytes?: number | undefined;
  /** Caller identity told to the cell; default `CELL_NAME` / `CELL_REPLICA`. */
  caller?: { cell?: string; replica?: string } | undefined;
  logger?: Logger | undefined;
}

/** What the synapse knows about the cell it is connected to. */
export interface RemoteInfo {
  name: string;
  version: string;
  fingerprint: string;
  replica: string | undefined;
}

/** Controls of a synapse; `$`-prefixed so they never collide with method names. */
export interface SynapseControls<C extends Contract> {
  /** Connects and handshakes now (calls do it on demand). */
  $connect(): Promise<RemoteInfo>;
  /** The cell at the other end, once connected. */
  $remote(): RemoteInfo | undefined;
  /** The live genome of the cell. */
  $genome(): Promise<Genome>;
  /** Round trip of a ping, in ms. */
  $ping(): Promise<number>;
  /** Listens to one of the contract's events; returns the unsubscribe function. */
  $on<E extends keyof C['events'] & string>(event: E, listener: (payload: Static<C['events'][E]>) => void): () => void;
  /** Closes the connection; calls in flight fail with CELL_E_CLOSED. */
  $close(): Promise<void>;
}

/** A typed client of one cell: one function per method of its contract. */
export type Synapse<C extends Contract> = { [K in keyof C['methods']]: ClientMethod<C['methods'][K]> } & SynapseControls<C>;

/** A client for when only the method name is known (the CLI's `cell call`). */
export interface DynamicSynapse {
  call(method: string, input: unknown, options?: CallOptions): Promise<unknown>;
  $connect(): Promise<RemoteInfo>;
  $genome(): Promise<Genome>;
  $ping(): Promise<number>;
  $close(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

/** Owns the current connection to one cell: opens it on demand and again after it drops. */
class SynapseCore {
  private current: SynapseConnection | undefined;
  private connecting: Promise<SynapseConnection> | undefined;
  private closed = false;
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();
  readonly defaultTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly options: ConnectOptions;
  private readonly local: Genome | undefined;
  private readonly log: Logger;

  constructor(options: ConnectOptions, local: Genome | undefined) {
    if (typeof options?.socketPath !== 'string' || options.socketPath === '') {
      throw new CellError('CELL_E_INVALID_ARGUMENT', 'connect() needs a socketPath');
    }
    this.options = options;
    this.local = local;
    this.defaultTimeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.log = (options.logger ?? processLog()).child({ component: 'sdk.synapse' });
  }

  /** A usable connection, opened if needed. */
  connection(): Promise<SynapseConnection> {
    if (this.closed) return Promise.reject(new CellError('CELL_E_CLOSED', 'this synapse was closed'));
    if (this.current?.isUsable) return Promise.resolve(this.current);
    this.connecting ??= this.open().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** The current connection if it can take a call right now (the fast path). */
  ready(): SynapseConnection | undefined {
    return this.current?.isUsable ? this.current : undefined;
  }

  private async open(): Promise<SynapseConnection> {
    const started = Date.now();
    const socket = await connectUnix(this.options.socketPath, this.connectTimeoutMs);
    const conn = await SynapseConnection.open(socket, {
      maxFrameBytes: this.options.maxFrameBytes ?? 16 * 1024 * 1024,
      frameTimeoutMs: this.options.frameTimeoutMs ?? 30_000,
      maxWriteBacklogBytes: 4 * 1024 * 1024,
      windowBytes: this.options.streamWindowBytes ?? DEFAULT_STREAM_WINDOW_BYTES,
      handshakeTimeoutMs: Math.max(1, this.connectTimeoutMs - (Date.now() - started)),
      target: this.local?.name,
      fingerprint: this.local?.fingerprint,
      cell: this.options.caller?.cell ?? process.env['CELL_NAME'],
      replica: this.options.caller?.replica ?? process.env['CELL_REPLICA'],
      log: this.log,
      onEvent: (name, payload) => this.dispatchEvent(name, payload),
    });
    try {
      await this.checkCompatible(conn);
    } catch (err) {
      conn.close(err as CellError<string>);
      throw err;
    }
    if (this.closed) {
      conn.close(new CellError('CELL_E_CLOSED', 'this synapse was closed'));
      throw new CellError('CELL_E_CLOSED', 'this synapse was closed');
    }
    this.current = conn;
    this.log.debug({ peer: conn.remote.name, replica: conn.remote.replica }, 'synapse connected');
    return conn;
  }

  /** Refuses, before any call is sent, a cell whose genome does not fit the one we were built against. */
  private async checkCompatible(conn: SynapseConnection): Promise<void> {
    const local = this.local;
    if (!local || conn.remote.fingerprint === local.fingerprint) return;
    const mismatch = (reason: string, problems: string[] = []) =>
      new CellError('CELL_E_SCHEMA_MISMATCH', `${reason}: built against ${local.name}@${local.version}, the cell serves ${conn.remote.name}@${conn.remote.version}`, {
        details: {
          expected: { name: local.name, version: local.version, fingerprint: local.fingerprint },
          actual: { name: conn.remote.name, version: conn.remote.version, fingerprint: conn.remote.fingerprint },
          problems,
        },
      });
    if (conn.remote.name !== local.name) throw mismatch('wrong cell');
    const remote = (await conn.genome(this.connectTimeoutMs)) as Genome;
    const report = compareGenomes(local, remote);
    if (report.breaking.length > 0) throw mismatch('incompatible genome', report.breaking.map((c) => c.message));
  }

  private dispatchEvent(name: string, payload: unknown): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const l of set) {
      try {
        l(payload);
      } catch (err) {
        this.log.error({ err, event: name }, 'event listener failed');
      }
    }
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  remote(): RemoteInfo | undefined {
    const r: ServerHello | undefined = this.current?.remote;
    return r && { name: r.name, version: r.version, fingerprint: r.fingerprint, replica: r.replica };
  }

  unary(method: string | Buffer, input: unknown, options: CallOptions | undefined): Promise<unknown> {
    const conn = this.ready();
    if (conn) return conn.unary(method, input, options, this.defaultTimeoutMs);
    return this.connection().then((c) => c.unary(method, input, options, this.defaultTimeoutMs));
  }

  close(): Promise<void> {
    this.closed = true;
    const conn = this.current;
    this.current = undefined;
    if (!conn) return Promise.resolve();
    return new Promise((resolve) => {
      conn.onceClosed(resolve);
      conn.close(new CellError('CELL_E_CLOSED', 'this synapse was closed'));
    });
  }
}

function toResult(promise: Promise<unknown>): Promise<CallResult<unknown, CellError<string>>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({
      ok: false as const,
      error: isCellError(error) ? error : new CellError('CELL_E_INTERNAL', String(error), { cause: error }),
    }),
  );
}

/** An AsyncIterable that starts the call when iteration begins. */
function lazyStream(start: () => Promise<AsyncIterable<unknown>>): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      let inner: AsyncIterator<unknown> | undefined;
      const started = start().then((it) => (inner = it[Symbol.asyncIterator]()));
      return {
        next: () => started.then(() => inner!.next()),
        return: () => started.then(() => inner!.return?.() ?? { value: undefined, done: true }, () => ({ value: undefined, done: true })),
      };
    },
  };
}

function methodFunction(core: SynapseCore, name: string, def: MethodDef): unknown {
  switch (def.kind) {
    case 'unary': {
      const nameBytes = Buffer.from(name); // encoded once, copied into every request frame
      const fn = (input: unknown, options?: CallOptions) => core.unary(nameBytes, input, options);
      return Object.assign(fn, { try: (input: unknown, options?: CallOptions) => toResult(fn(input, options)) });
    }
    case 'clientStream': {
      const fn = (source: StreamSource<unknown>, options?: CallOptions) =>
        core.connection().then((c) => c.stream(name, undefined, source, false, options ?? {}, core.defaultTimeoutMs).reply);
      return Object.assign(fn, { try: (source: StreamSource<unknown>, options?: CallOptions) => toResult(fn(source, options)) });
    }
    case 'serverStream':
      return (input: unknown, options?: CallOptions) =>
        lazyStream(() =>
          core.connection().then((c) => c.stream(name, input, undefined, true, options ?? {}, undefined).inbox!),
        );
    case 'duplex':
      return (source: StreamSource<unknown>, options?: CallOptions) =>
        lazyStream(() =>
          core.connection().then((c) => c.stream(name, undefined, source, true, options ?? {}, undefined).inbox!),
        );
    case 'notify':
      return (input: unknown) => core.connection().then((c) => c.notify(name, input));
  }
}

function controls(core: SynapseCore): DynamicSynapse & Omit<SynapseControls<Contract>, never> {
  return {
    call: (method, input, options) => core.unary(method, input, options),
    $connect: () => core.connection().then(() => core.remote()!),
    $remote: () => core.remote(),
    $genome: () => core.connection().then((c) => c.genome(core.defaultTimeoutMs) as Promise<Genome>),
    $ping: () => core.connection().then((c) => c.ping(core.defaultTimeoutMs)),
    $on: (event, listener) => core.on(event, listener as (payload: unknown) => void),
    $close: () => core.close(),
  };
}

/**
 * Returns a typed client of the cell that serves `contract` at `options.socketPath`. The
 * connection opens on the first call, and again on the next call after it drops. Every method
 * is typed from the contract alone.
 */
export function connect<C extends Contract>(contract: C, options: ConnectOptions): Synapse<C> {
  const core = new SynapseCore(options, toGenome(contract));
  const client: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(contract.methods)) client[name] = methodFunction(core, name, def);
  const { call: _call, ...rest } = controls(core);
  return Object.freeze(Object.assign(client, rest)) as Synapse<C>;
}

/** A client that calls methods by name, with no contract (nothing is typed or checked locally). */
export function connectDynamic(options: ConnectOptions): DynamicSynapse {
  const core = new SynapseCore(options, undefined);
  const { call, $connect, $genome, $ping, $close } = controls(core);
  return { call, $connect, $genome, $ping, $close };
}
