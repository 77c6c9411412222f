import type { Static } from 'typebox';
import type { CellError} from '@cell/protocol';
import { toCellError } from '@cell/protocol';
import { type Contract, type Genome, type MethodDef, toGenome } from '@cell/contract';
import type { RemoteInfo, SynapsePool } from '@cell/wire';
import { locate } from './cell-locator.ts';
import type { CallOptions, CallResult, ClientMethod, NotifyOptions, StreamSource } from './contract-types.ts';
import { registerDependency } from './dependency-registry.ts';
import { checkConnectOptions, type ConnectOptions } from './options.ts';
import { createPool } from './pool-factory.ts';

export type { RemoteInfo };

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
  /** A server stream by name: the call starts when iteration begins; `options.signal` ends it. */
  stream(method: string, input: unknown, options?: CallOptions): AsyncIterable<unknown>;
  /** A notify by name: resolves once it is sent (no reply comes). */
  notify(method: string, input: unknown, options?: NotifyOptions): Promise<void>;
  $connect(): Promise<RemoteInfo>;
  $genome(): Promise<Genome>;
  $ping(): Promise<number>;
  $close(): Promise<void>;
}

function toResult(promise: Promise<unknown>): Promise<CallResult<unknown, CellError<string>>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error: toCellError(error) }),
  );
}

/** An AsyncIterable that starts the call when iteration begins. */
function lazyStream(start: () => Promise<AsyncIterable<unknown>>): AsyncIterable<unknown> {
  return {
    [Symbol.asyncIterator]() {
      let inner: AsyncIterator<unknown> | undefined;
      const started = start().then((it) => (inner = it[Symbol.asyncIterator]()));
      return {
        // Once the call has started, items come straight from its iterator: a `then` per item cost
        // a promise, a closure and two more microtask turns for every item of every stream.
        next: () => (inner ? inner.next() : started.then(() => inner!.next())),
        return: () => started.then(() => inner!.return?.() ?? { value: undefined, done: true }, () => ({ value: undefined, done: true })),
      };
    },
  };
}

/** The deadline (epoch ms) by which a stream call must have found its cell, when it has one. */
function streamDeadline(options: CallOptions | undefined, defaultMs: number | undefined): number | undefined {
  const ms = options?.timeoutMs ?? defaultMs;
  return ms === undefined ? undefined : Date.now() + ms;
}

/** Method names as UTF-8, encoded once per process: not again for every `connect()`. */
const encodedNames = new Map<string, Buffer>();

function encodedName(name: string): Buffer {
  let bytes = encodedNames.get(name);
  if (bytes === undefined) encodedNames.set(name, (bytes = Buffer.from(name)));
  return bytes;
}

function methodFunction(pool: SynapsePool, name: string, def: MethodDef): unknown {
  switch (def.kind) {
    case 'unary': {
      const nameBytes = encodedName(name); // copied into every request frame
      const fn = (input: unknown, options?: CallOptions) => pool.unary(nameBytes, input, options);
      return Object.assign(fn, { try: (input: unknown, options?: CallOptions) => toResult(fn(input, options)) });
    }
    case 'clientStream': {
      const fn = (source: StreamSource<unknown>, options?: CallOptions) =>
        pool.connection(streamDeadline(options, pool.defaultTimeoutMs)).then((c) => c.stream(name, undefined, source, false, options ?? {}, pool.defaultTimeoutMs).reply);
      return Object.assign(fn, { try: (source: StreamSource<unknown>, options?: CallOptions) => toResult(fn(source, options)) });
    }
    case 'serverStream':
      return (input: unknown, options?: CallOptions) =>
        lazyStream(() => pool.connection(streamDeadline(options, undefined)).then((c) => c.stream(name, input, undefined, true, options ?? {}, undefined).inbox!));
    case 'duplex':
      return (source: StreamSource<unknown>, options?: CallOptions) =>
        lazyStream(() => pool.connection(streamDeadline(options, undefined)).then((c) => c.stream(name, undefined, source, true, options ?? {}, undefined).inbox!));
    case 'notify':
      return (input: unknown, options?: NotifyOptions) => pool.connection().then((c) => c.notify(name, input, options));
  }
}

/** The `$` controls of a client over `pool`. */
function controls(pool: SynapsePool): SynapseControls<Contract> {
  return {
    $connect: () => pool.connection().then((c) => pool.remoteOf(c)),
    $remote: () => pool.remote(),
    $genome: () => pool.connection().then((c) => c.genome(pool.defaultTimeoutMs) as Promise<Genome>),
    $ping: () => pool.connection().then((c) => c.ping(pool.defaultTimeoutMs)),
    $on: (event, listener) => pool.on(event, listener as (payload: unknown) => void),
    $close: () => pool.close(),
  };
}

function makePool(options: ConnectOptions, local: Genome | undefined): SynapsePool {
  checkConnectOptions(options);
  const targets = locate(options, local);
  const pool = createPool(targets, options, local);
  if (targets.dependency !== undefined) registerDependency(targets.dependency, pool);
  return pool;
}

/**
 * Returns a typed client of the cell that serves `contract`. With `cell` (or nothing: the
 * contract's name as a dependency), calls go to the least busy ready replica, fail over to
 * another one when a replica dies, and start the cell (through its nucleus) when none runs. With
 * `socketPath`, calls go to that one socket. Connections open on the first call and again after
 * they drop.
 */
export function connect<C extends Contract>(contract: C, options: ConnectOptions = {}): Synapse<C> {
  const pool = makePool(options, toGenome(contract));
  const client: Record<string, unknown> = {};
  for (const name in contract.methods) client[name] = methodFunction(pool, name, contract.methods[name]!);
  return Object.freeze(Object.assign(client, controls(pool))) as Synapse<C>;
}

/** A client that calls methods by name, with no contract (nothing is typed or checked locally). */
export function connectDynamic(options: ConnectOptions): DynamicSynapse {
  const pool = makePool(options, undefined);
  const { $connect, $genome, $ping, $close } = controls(pool);
  const byKind = (kind: MethodDef['kind'], method: string) => methodFunction(pool, method, { kind } as MethodDef) as (input: unknown, options?: CallOptions) => never;
  return {
    call: (method, input, options) => pool.unary(method, input, options),
    stream: (method, input, options) => byKind('serverStream', method)(input, options),
    notify: (method, input, options) => byKind('notify', method)(input, options),
    $connect,
    $genome,
    $ping,
    $close,
  };
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
