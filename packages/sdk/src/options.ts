import { Type, type TObject, type TSchema } from 'typebox';
import { Check, Errors } from 'typebox/value';
import { lazyValidator, type Validator } from '@cell/contract';
import { CellError, MAX_SPANS } from '@cell/protocol';
import { type AxonCredentials, DEFAULT_LIMITS, loadAxonCredentials, MAX_TIMER_MS, MIN_FRAME_BYTES, MIN_WINDOW_BYTES } from '@cell/wire';
import { launchSettings } from './launch.ts';
import type { Logger } from './logger.ts';


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
  /** Ask the cell's nucleus to start it when none of its replicas runs (only with `cell`). Default true. */
  startOnDemand?: boolean | undefined;
  /** Default deadline of unary and client-stream calls. Default 30 s. Streams with output have none. */
  timeoutMs?: number | undefined;
  /** Connecting and handshaking must finish within this long. Default 5 s. */
  connectTimeoutMs?: number | undefined;
  /** Largest frame accepted from the cell. Default 16 MiB. */
  maxFrameBytes?: number | undefined;
  /** A partly received frame must complete within this long. Default 30 s. */
  frameTimeoutMs?: number | undefined;
  /** Per-stream flow-control window at the start. Default 1 MiB. */
  streamWindowBytes?: number | undefined;
  /** How far a stream's window grows while its reader keeps up. Default 16 MiB; `streamWindowBytes` when only that is given (a fixed window). */
  maxStreamWindowBytes?: number | undefined;
  /** Caller identity told to the cell; default `CELL_NAME` / `CELL_REPLICA`. */
  caller?: { cell?: string; replica?: string } | undefined;
  logger?: Logger | undefined;
}

/** Options of `serve`. Every limit has a safe default (docs/protocol.md). */
export interface ServeOptions {
  /** Unix socket to listen on; default `CELL_SOCKET` from the launch environment. */
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
  /** Caller connections held at once; more are refused with CELL_E_OVERLOADED. Default `CELL_MAX_CONNECTIONS`, else 4096. */
  maxConnections?: number | undefined;
  /** Calls in flight per connection before CELL_E_OVERLOADED. Default 4096. */
  maxInFlightPerConnection?: number | undefined;
  /** Stop reading a connection while this much output waits for it. Default 4 MiB. */
  maxWriteBacklogBytes?: number | undefined;
  /** Per-stream flow-control window at the start. Default 1 MiB. */
  streamWindowBytes?: number | undefined;
  /** How far a stream's window grows while its reader keeps up. Default 16 MiB; `streamWindowBytes` when only that is given (a fixed window). */
  maxStreamWindowBytes?: number | undefined;
  /** Check handler output against the contract. Default true. */
  validateOutput?: boolean | undefined;
  /** Recent calls kept as spans for `cell trace` (docs/traces.md); 0 keeps none. Default `CELL_SPANS`, else 1024. */
  spans?: number | undefined;
  /**
   * Also serve other nodes over TLS (an axon). Default: as the launch environment says
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

// One schema per options object: what each option may be, checked once at the boundary with
// every failing key reported at once. Defaults come from the wire layer's one table.

const Ms = Type.Number({ exclusiveMinimum: 0, maximum: MAX_TIMER_MS });
const Bytes = (minimum: number) => Type.Integer({ minimum, maximum: 0xffff_ffff });
const Opt = <T extends TSchema>(t: T) => Type.Optional(Type.Union([t, Type.Undefined()]));
const Obj = Type.Unknown(); // collaborators (logger, credentials): their types are checked by the compiler

const LimitOptions = {
  maxFrameBytes: Opt(Bytes(MIN_FRAME_BYTES)),
  frameTimeoutMs: Opt(Ms),
  streamWindowBytes: Opt(Bytes(MIN_WINDOW_BYTES)),
  maxStreamWindowBytes: Opt(Bytes(MIN_WINDOW_BYTES)),
  logger: Opt(Obj),
};

const ServeOptionsSchema = Type.Object(
  {
    ...LimitOptions,
    socketPath: Opt(Type.String({ minLength: 1 })),
    replica: Opt(Type.String({ minLength: 1 })),
    handshakeTimeoutMs: Opt(Ms),
    maxInFlightPerConnection: Opt(Type.Integer({ minimum: 1 })),
    maxConnections: Opt(Type.Integer({ minimum: 1 })),
    maxWriteBacklogBytes: Opt(Bytes(MIN_FRAME_BYTES)),
    validateOutput: Opt(Type.Boolean()),
    spans: Opt(Type.Integer({ minimum: 0, maximum: MAX_SPANS })),
    axon: Opt(Obj),
  },
  { additionalProperties: false },
);

const ConnectOptionsSchema = Type.Object(
  {
    ...LimitOptions,
    socketPath: Opt(Type.String({ minLength: 1 })),
    axon: Opt(Type.Object({ host: Type.String({ minLength: 1 }), port: Type.Integer({ minimum: 1, maximum: 65535 }), key: Opt(Type.String()) })),
    credentials: Opt(Obj),
    cell: Opt(Type.String({ minLength: 1 })),
    name: Opt(Type.String({ minLength: 1 })),
    startOnDemand: Opt(Type.Boolean()),
    timeoutMs: Opt(Ms),
    connectTimeoutMs: Opt(Ms),
    caller: Opt(Type.Object({ cell: Opt(Type.String()), replica: Opt(Type.String()) })),
  },
  { additionalProperties: false },
);

// Interpreted for a process's first two uses, compiled from the third.
const quickChecks = new Map<TObject, Validator>([
  [ServeOptionsSchema, lazyValidator(ServeOptionsSchema, 2)],
  [ConnectOptionsSchema, lazyValidator(ConnectOptionsSchema, 2)],
]);

function check(what: string, schema: TObject, options: unknown): void {
  if (options === undefined || options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${what} options must be an object`);
  }
  if (quickChecks.get(schema)!.check(options)) return;
  // Each option on its own: TypeBox stops collecting errors after a few, which would leave later
  // bad options unnamed.
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    const property = schema.properties[key];
    if (property === undefined) {
      problems.push(`${key}: unknown option`);
      continue;
    }
    const one = Type.Object({ [key]: property });
    if (!Check(one, { [key]: value })) problems.push(...Errors(one, { [key]: value }).map((e) => `${e.instancePath.slice(1).replaceAll('/', '.') || '(options)'}: ${e.message}`));
  }
  if (problems.length === 0) problems.push('(options): invalid');
  throw new CellError('CELL_E_INVALID_ARGUMENT', `invalid ${what} options: ${problems.join('; ')}`, { details: { problems } });
}

/** Checks `serve()` options; throws CELL_E_INVALID_ARGUMENT naming every bad one. */
export function checkServeOptions(options: unknown): void {
  check('serve', ServeOptionsSchema, options);
}

/** Checks `connect()` options; throws CELL_E_INVALID_ARGUMENT naming every bad one. */
export function checkConnectOptions(options: unknown): void {
  check('connect', ConnectOptionsSchema, options);
}


/** The axon the nucleus configured for this process, if any. */
export function axonFromLaunch(): AxonServeOptions | undefined {
  const { axon, identityFile } = launchSettings();
  if (!axon || !identityFile) return undefined;
  return { host: axon.host, port: axon.port, credentials: loadAxonCredentials(identityFile), allowedKeys: axon.allowedKeys };
}

/**
 * A stream window's start and how far it may grow. The start: `streamWindowBytes`, else 1 MiB or
 * the limit when that is lower. The limit: `maxStreamWindowBytes`, else `streamWindowBytes` when
 * only that was set (who sized the window keeps a fixed one, as before windows grew), else 16 MiB;
 * never below the start.
 */
export function streamWindows(options: { streamWindowBytes?: number | undefined; maxStreamWindowBytes?: number | undefined }): { start: number; max: number } {
  const start = options.streamWindowBytes ?? Math.min(DEFAULT_LIMITS.streamWindowBytes, options.maxStreamWindowBytes ?? Infinity);
  return { start, max: Math.max(start, options.maxStreamWindowBytes ?? options.streamWindowBytes ?? DEFAULT_LIMITS.maxStreamWindowBytes) };
}
