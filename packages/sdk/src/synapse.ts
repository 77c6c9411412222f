import type { Static } from 'typebox';
import { CellError, isCellError } from '@cell/protocol';
import type { Contract, MethodDef } from './contract.ts';
import type { CallOptions, CallResult, ClientMethod, StreamSource } from './contract-types.ts';
import { compareGenomes, formatChange } from './compatibility.ts';
import { type Genome, toGenome } from './genome.ts';
import { type DependencyRef, replicaSocketPaths, resolveLocalCell, startLocalCell } from './local-cell.ts';
import { nucleusContract } from './nucleus-contract.ts';
import { keyFromPeerId } from './peer-key.ts';
import { processLog, type Logger } from './logger.ts';
import { DEFAULT_STREAM_WINDOW_BYTES } from './stream-flow.ts';
import type { SynapseConnection } from './synapse-connection.ts';
import { type CandidateStats, type Endpoint, SynapsePool } from './synapse-pool.ts';
import type { AxonCredentials } from './axon-transport.ts';

/** Options of `connect`. Give `socketPath` for one exact socket, or `cell` for a local cell's replicas. */
export interface ConnectOptions {
  /** One exact Unix socket (no replica discovery, no on-demand start). */
  socketPath?: string | undefined;
  /** One exact cell on another node, over an axon (TLS with pinned keys); `key` unset: trust on first use. */
  axon?: { host: string; port: number; key?: string | undefined } | undefined;
  /** This node's TLS identity for axon connections (default: `CELL_IDENTITY_FILE`). */
  credentials?: AxonCredentials | undefined;
  /**
   * A local cell: a dependency name (as in the consumer's `[deps]`) or a cell directory. Calls
   * spread over its ready replicas, fail over between them, and start it when none runs.
   * Default: the contract's name as a dependency name.
   */
  cell?: string | undefined;
  /** The cell's name, when `cell` is a directory and there is no contract to tell it. */
  name?: string | undefined;
  /** Start a local cell that is not running (only with `cell`). Default true. */
  startOnDemand?: boolean | undefined;
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
  pid: number | undefined;
  /** The serving node's key (peer id), when connected over an axon. */
  node: string | undefined;
}

/** Controls of a synapse; `$`-prefixed so they never collide with method names. */
export interface SynapseControls<C extends Contract> {
  /** Connects and handshakes now (calls do it on demand). */
  $connect(): Promise<RemoteInfo>;
  /** The cell at the other end, once connected (one of its replicas). */
  $remote(): RemoteInfo | undefined;
  /** The live genome of the cell. */
  $genome(): Promise<Genome>;
  /** Round trip of a ping, in ms. */
  $ping(): Promise<number>;
  /** Listens to one of the contract's events; returns the unsubscribe function. */
  $on<E extends keyof C['events'] & string>(event: E, listener: (payload: Static<C['events'][E]>) => void): () => void;
  /** Closes every connection; calls in flight fail with CELL_E_CLOSED. */
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

/** Refuses, before any call is sent, a cell whose genome does not fit the one we were built against. */
async function checkCompatible(conn: SynapseConnection, local: Genome | undefined, timeoutMs: number): Promise<void> {
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
  const remote = (await conn.genome(timeoutMs)) as Genome;
  const report = compareGenomes(local, remote);
  if (report.breaking.length > 0) throw mismatch('incompatible genome', report.breaking.map(formatChange));
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

function methodFunction(pool: SynapsePool, name: string, def: MethodDef): unknown {
  switch (def.kind) {
    case 'unary': {
      const nameBytes = Buffer.from(name); // encoded once, copied into every request frame
      const fn = (input: unknown, options?: CallOptions) => pool.unary(nameBytes, input, options);
      return Object.assign(fn, { try: (input: unknown, options?: CallOptions) => toResult(fn(input, options)) });
    }
    case 'clientStream': {
      const fn = (source: StreamSource<unknown>, options?: CallOptions) =>
        pool.connection().then((c) => c.stream(name, undefined, source, false, options ?? {}, pool.defaultTimeoutMs).reply);
      return Object.assign(fn, { try: (source: StreamSource<unknown>, options?: CallOptions) => toResult(fn(source, options)) });
    }
    case 'serverStream':
      return (input: unknown, options?: CallOptions) =>
        lazyStream(() => pool.connection().then((c) => c.stream(name, input, undefined, true, options ?? {}, undefined).inbox!));
    case 'duplex':
      return (source: StreamSource<unknown>, options?: CallOptions) =>
        lazyStream(() => pool.connection().then((c) => c.stream(name, undefined, source, true, options ?? {}, undefined).inbox!));
    case 'notify':
      return (input: unknown) => pool.connection().then((c) => c.notify(name, input));
  }
}

function controls(pool: SynapsePool): DynamicSynapse & SynapseControls<Contract> {
  return {
    call: (method, input, options) => pool.unary(method, input, options),
    $connect: () => pool.connection().then((c) => pool.remoteOf(c)),
    $remote: () => pool.remote(),
    $genome: () => pool.connection().then((c) => c.genome(pool.defaultTimeoutMs) as Promise<Genome>),
    $ping: () => pool.connection().then((c) => c.ping(pool.defaultTimeoutMs)),
    $on: (event, listener) => pool.on(event, listener as (payload: unknown) => void),
    $close: () => pool.close(),
  };
}

/** The pools of dependency synapses in this process, by dependency name (for `cell status`). */
const dependencyPools = new Map<string, SynapsePool>();

/** How each dependency's candidates look right now (what the nucleus shows in `cell status`). */
export function dependencyStats(): Record<string, CandidateStats[]> {
  return Object.fromEntries([...dependencyPools].map(([name, pool]) => [name, pool.stats()]));
}

/** Remote candidates for a cell, asked of the nucleus that runs this process (when networked). */
function remoteCandidates(cell: DependencyRef, major: number | undefined): (() => Promise<Endpoint[]>) | undefined {
  const socketPath = process.env['CELL_NUCLEUS_SOCKET'];
  if (!socketPath || process.env['CELL_NETWORK'] !== '1') return undefined;
  let control: Synapse<typeof nucleusContract> | undefined;
  return async () => {
    control ??= connect(nucleusContract, { socketPath, timeoutMs: 10_000 });
    const r = await control.resolve({ name: cell.name, major: major ?? null, via: cell.axon ?? null });
    return r.candidates.map((c) => ({ kind: 'axon' as const, host: c.host, port: c.port, key: keyFromPeerId(c.node), node: c.node }));
  };
}

function makePool(options: ConnectOptions, local: Genome | undefined): SynapsePool {
  if (options === undefined || typeof options !== 'object') throw new CellError('CELL_E_INVALID_ARGUMENT', 'connect() needs options');
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let endpoints: () => Endpoint[];
  let remoteEndpoints: (() => Promise<Endpoint[]>) | undefined;
  let startCell: (() => Promise<void>) | undefined;
  let cell: DependencyRef | undefined;
  if (options.axon !== undefined) {
    const { host, port, key } = options.axon;
    const only: Endpoint[] = [{ kind: 'axon', host, port, key: key ? keyFromPeerId(key) : undefined, node: key }];
    endpoints = () => only;
  } else if (options.socketPath !== undefined) {
    if (typeof options.socketPath !== 'string' || options.socketPath === '') throw new CellError('CELL_E_INVALID_ARGUMENT', 'socketPath must be a non-empty string');
    const only: Endpoint[] = [{ kind: 'unix', path: options.socketPath }];
    endpoints = () => only;
  } else {
    const target = options.cell ?? local?.name;
    if (!target) throw new CellError('CELL_E_INVALID_ARGUMENT', 'connect() needs socketPath or cell');
    cell = resolveLocalCell(target, local?.name ?? options.name);
    const c = cell;
    const major = local ? Number.parseInt(local.version, 10) : undefined;
    const dir = c.dir;
    endpoints = dir ? () => replicaSocketPaths({ name: c.name, dir }, major).map((path) => ({ kind: 'unix' as const, path })) : () => [];
    remoteEndpoints = remoteCandidates(c, major);
    if (dir && options.startOnDemand !== false) startCell = () => startLocalCell({ name: c.name, dir }, Math.max(connectTimeoutMs, 30_000));
  }
  const pool = new SynapsePool({
    endpoints,
    remoteEndpoints,
    discovers: options.socketPath === undefined && options.axon === undefined,
    credentials: options.credentials,
    startCell,
    describe: cell ? `cell ${cell.name}${cell.dir ? ` (${cell.dir})` : ''}` : options.axon ? `axon ${options.axon.host}:${options.axon.port}` : `socket ${options.socketPath}`,
    defaultTimeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    connectTimeoutMs,
    connection: {
      maxFrameBytes: options.maxFrameBytes ?? 16 * 1024 * 1024,
      frameTimeoutMs: options.frameTimeoutMs ?? 30_000,
      maxWriteBacklogBytes: 4 * 1024 * 1024,
      windowBytes: options.streamWindowBytes ?? DEFAULT_STREAM_WINDOW_BYTES,
      target: local?.name,
      fingerprint: local?.fingerprint,
      cell: options.caller?.cell ?? process.env['CELL_NAME'],
      replica: options.caller?.replica ?? process.env['CELL_REPLICA'],
    },
    log: (options.logger ?? processLog()).child({ component: 'sdk.synapse' }),
    check: (conn) => checkCompatible(conn, local, connectTimeoutMs),
  });
  if (cell && options.cell !== undefined && !options.cell.includes('/')) dependencyPools.set(options.cell, pool);
  else if (cell && options.cell === undefined) dependencyPools.set(cell.name, pool);
  return pool;
}

/**
 * Returns a typed client of the cell that serves `contract`. With `cell` (or nothing: the
 * contract's name as a dependency), calls go to the least busy ready replica, fail over to
 * another one when a replica dies, and start the cell when none runs. With `socketPath`, calls
 * go to that one socket. Connections open on the first call and again after they drop.
 */
export function connect<C extends Contract>(contract: C, options: ConnectOptions = {}): Synapse<C> {
  const pool = makePool(options, toGenome(contract));
  const client: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(contract.methods)) client[name] = methodFunction(pool, name, def);
  const { call: _call, ...rest } = controls(pool);
  return Object.freeze(Object.assign(client, rest)) as Synapse<C>;
}

/** A client that calls methods by name, with no contract (nothing is typed or checked locally). */
export function connectDynamic(options: ConnectOptions): DynamicSynapse {
  const pool = makePool(options, undefined);
  const { call, $connect, $genome, $ping, $close } = controls(pool);
  return { call, $connect, $genome, $ping, $close };
}

/** The genome a cell serves, or undefined when it cannot be reached or does not answer. */
export async function fetchGenome(options: ConnectOptions): Promise<Genome | undefined> {
  const synapse = connectDynamic(options);
  try {
    return await synapse.$genome();
  } catch {
    return undefined;
  } finally {
    await synapse.$close();
  }
}
