import { Type, type Static } from 'typebox';
import { Check, Errors } from 'typebox/value';
import { CellError } from '@cell/protocol';


/**
 * How a cell process learns where it runs: the environment the nucleus starts it with. Defined
 * once here — the nucleus writes it with `launchEnv`, the SDK reads it with `readLaunchEnv` — and
 * documented in docs/launch-env.md. Every variable is optional: a cell started by hand has none.
 */
export const LaunchEnvSchema = Type.Object({
  /** The cell's name (`[cell] name`). Its presence makes the process a managed cell. */
  CELL_NAME: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9-]{0,62}$' })),
  /** Replica id, e.g. `inventory-2`. */
  CELL_REPLICA: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /** The cell's data directory (`data/` in the cell): it survives restarts and reloads. */
  CELL_DATA: Type.Optional(Type.String({ minLength: 1 })),
  /** The cell's `run/` directory (sockets, pid files). */
  CELL_RUN: Type.Optional(Type.String({ minLength: 1 })),
  /** Unix socket the membrane listens on (shared by the nucleus's cluster handle). */
  CELL_SOCKET: Type.Optional(Type.String({ minLength: 1 })),
  /** A listening Unix socket inherited as this file descriptor: the membrane listens on it instead of binding `CELL_SOCKET` (a capsid's). */
  CELL_SOCKET_FD: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  /** JSON: dependency name -> where it is (`{ name, dir? , axon?, major? }`). */
  CELL_DEPS: Type.Optional(Type.String()),
  /** How long a draining replica may finish its calls, ms. */
  CELL_GRACE_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })),
  /** Apoptosis: exit after this long without connections or calls, ms. */
  CELL_IDLE_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })),
  /** Give memory back after this long without calls, ms (`0`: never); a managed cell's default is 5000. */
  CELL_MEMORY_TRIM_MS: Type.Optional(Type.String({ pattern: '^[0-9]{1,10}$' })),
  /** Caller connections the membrane holds at most (`[cell] max_connections`). */
  CELL_MAX_CONNECTIONS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,6}$' })),
  /** The control socket of the nucleus supervising this cell (on-demand start, remote candidates). */
  CELL_NUCLEUS_SOCKET: Type.Optional(Type.String({ minLength: 1 })),
  /** `1` when the tree is a node on the network (dependencies may be found on other nodes). */
  CELL_NETWORK: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')])),
  /** The node identity (TLS key and certificate) for axons, a JSON file with mode 0600. */
  CELL_IDENTITY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Serve other nodes over an axon on this host. */
  CELL_AXON_HOST: Type.Optional(Type.String({ minLength: 1 })),
  /** Port of the axon; 0 or absent: any free port. */
  CELL_AXON_PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$' })),
  /** `*` or comma-separated node keys (peer ids) allowed to call over the axon. */
  CELL_ALLOWED_KEYS: Type.Optional(Type.String()),
  /** Colon-separated `cgroup.procs` files the process joins first thing (written by the bundle's banner). */
  CELL_CGROUP_PROCS: Type.Optional(Type.String()),
  /** `0`: the cell does not count the calls it serves (the tree's metrics are off). */
  CELL_CALL_STATS: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')])),
  /** How many recent calls the cell keeps as spans for `cell trace` (0 to 100000); `0`: none. */
  CELL_SPANS: Type.Optional(Type.String({ pattern: '^(0|[1-9][0-9]{0,4}|100000)$' })),
  /** Absolute path of the koffi module the runtime ships: the membrane reads a local caller's uid with it (SO_PEERCRED). */
  CELL_KOFFI: Type.Optional(Type.String({ minLength: 1 })),
  /** pino level name of the process's logger. */
  CELL_LOG_LEVEL: Type.Optional(
    Type.Union([Type.Literal('fatal'), Type.Literal('error'), Type.Literal('warn'), Type.Literal('info'), Type.Literal('debug'), Type.Literal('trace'), Type.Literal('silent')]),
  ),
});

export type LaunchEnvVars = Static<typeof LaunchEnvSchema>;

/** How long a cell the runtime started waits without calls before it gives memory back, ms, unless `CELL_MEMORY_TRIM_MS` says otherwise. */
export const DEFAULT_MEMORY_TRIM_MS = 5000;

/** Where a dependency is, as a cell process receives it in `CELL_DEPS`. */
export interface DependencyRef {
  name: string;
  /** Local cell directory (replica sockets in its `run/`). */
  dir?: string | undefined;
  /** `axon://[peer-id@]host:port` of a node that serves it. */
  axon?: string | undefined;
  /** Only this major version will do. */
  major?: number | undefined;
  /**
   * Node keys trusted to serve it when it is found by name: a node not listed is never a
   * candidate. Absent for a dependency at a static address (its key is pinned, or trusted on first use).
   */
  trust?: string[] | undefined;
}

const DependencyRefSchema = Type.Record(
  Type.String(),
  Type.Object({
    name: Type.String(),
    dir: Type.Optional(Type.String()),
    axon: Type.Optional(Type.String()),
    major: Type.Optional(Type.Integer({ minimum: 0 })),
    trust: Type.Optional(Type.Array(Type.String())),
  }),
);

/** The launch environment, parsed. */
export interface LaunchSettings {
  name: string | undefined;
  replica: string | undefined;
  socket: string | undefined;
  /** Inherited listening socket to serve on (`CELL_SOCKET` then only names where callers reach it). */
  socketFd: number | undefined;
  deps: Record<string, DependencyRef>;
  graceMs: number | undefined;
  idleTimeoutMs: number | undefined;
  /** After this long without calls the cell gives memory back (`CELL_MEMORY_TRIM_MS`); 0: never; undefined: the SDK's default. */
  memoryTrimMs: number | undefined;
  maxConnections: number | undefined;
  nucleusSocket: string | undefined;
  network: boolean;
  identityFile: string | undefined;
  axon: { host: string; port: number; allowedKeys: 'any' | string[] } | undefined;
  cgroupProcs: string[];
  logLevel: LaunchEnvVars['CELL_LOG_LEVEL'];
  /** Whether the cell counts the calls it serves per method (for the tree's metrics); on unless `CELL_CALL_STATS=0`. */
  callStats: boolean;
  /** How many recent calls the cell keeps as spans for `cell trace` (`CELL_SPANS`); undefined: the SDK's default. */
  spans: number | undefined;
  /** Where the membrane loads koffi from to check a local caller's uid (`CELL_KOFFI`); undefined: resolved from the cell. */
  koffi: string | undefined;
}

// Checked by TypeBox's interpreter, not a compiled validator: this runs once per process (or per
// connection), where compiling would cost more start-up time and memory than it saves.

function invalid(problems: string[]): CellError {
  return new CellError('CELL_E_INVALID_ARGUMENT', `invalid launch environment: ${problems.join('; ')}`, { details: { problems } });
}

/** Reads the launch environment; throws CELL_E_INVALID_ARGUMENT naming every bad variable. */
export function readLaunchEnv(env: NodeJS.ProcessEnv = process.env): LaunchSettings {
  const vars: Record<string, string> = {};
  for (const key of Object.keys(LaunchEnvSchema.properties)) {
    const v = env[key];
    if (v !== undefined && v !== '') vars[key] = v;
  }
  if (!Check(LaunchEnvSchema, vars)) throw invalid(Errors(LaunchEnvSchema, vars).map((e) => `${e.instancePath.slice(1)} ${e.message}`));
  const v = vars as LaunchEnvVars;
  let deps: Record<string, DependencyRef> = {};
  if (v.CELL_DEPS !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v.CELL_DEPS);
    } catch {
      throw invalid(['CELL_DEPS is not JSON']);
    }
    if (!Check(DependencyRefSchema, parsed)) throw invalid(Errors(DependencyRefSchema, parsed).map((e) => `CELL_DEPS${e.instancePath} ${e.message}`));
    deps = parsed as Record<string, DependencyRef>;
  }
  const keys = v.CELL_ALLOWED_KEYS?.trim() ?? '';
  return {
    name: v.CELL_NAME,
    replica: v.CELL_REPLICA,
    socket: v.CELL_SOCKET,
    socketFd: v.CELL_SOCKET_FD === undefined ? undefined : Number(v.CELL_SOCKET_FD),
    deps,
    graceMs: v.CELL_GRACE_MS === undefined ? undefined : Number(v.CELL_GRACE_MS),
    idleTimeoutMs: v.CELL_IDLE_TIMEOUT_MS === undefined ? undefined : Number(v.CELL_IDLE_TIMEOUT_MS) || undefined,
    memoryTrimMs: v.CELL_MEMORY_TRIM_MS === undefined ? undefined : Number(v.CELL_MEMORY_TRIM_MS),
    maxConnections: v.CELL_MAX_CONNECTIONS === undefined ? undefined : Number(v.CELL_MAX_CONNECTIONS),
    nucleusSocket: v.CELL_NUCLEUS_SOCKET,
    network: v.CELL_NETWORK === '1',
    identityFile: v.CELL_IDENTITY_FILE,
    axon:
      v.CELL_AXON_HOST === undefined
        ? undefined
        : { host: v.CELL_AXON_HOST, port: Number(v.CELL_AXON_PORT ?? 0), allowedKeys: keys === '*' ? 'any' : keys.split(',').map((k) => k.trim()).filter(Boolean) },
    cgroupProcs: v.CELL_CGROUP_PROCS ? v.CELL_CGROUP_PROCS.split(':') : [],
    logLevel: v.CELL_LOG_LEVEL,
    callStats: v.CELL_CALL_STATS !== '0',
    spans: v.CELL_SPANS === undefined ? undefined : Number(v.CELL_SPANS),
    koffi: v.CELL_KOFFI,
  };
}

/** The environment variables that tell a cell process `settings` (what the nucleus sets). */
export function launchEnv(settings: Partial<LaunchSettings>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: keyof LaunchEnvVars, value: string | number | undefined) => {
    if (value !== undefined) out[key] = String(value);
  };
  put('CELL_NAME', settings.name);
  put('CELL_REPLICA', settings.replica);
  put('CELL_SOCKET', settings.socket);
  put('CELL_SOCKET_FD', settings.socketFd);
  if (settings.deps !== undefined) put('CELL_DEPS', JSON.stringify(settings.deps));
  put('CELL_GRACE_MS', settings.graceMs);
  put('CELL_IDLE_TIMEOUT_MS', settings.idleTimeoutMs);
  put('CELL_MEMORY_TRIM_MS', settings.memoryTrimMs);
  put('CELL_MAX_CONNECTIONS', settings.maxConnections);
  put('CELL_NUCLEUS_SOCKET', settings.nucleusSocket);
  if (settings.network) put('CELL_NETWORK', '1');
  put('CELL_IDENTITY_FILE', settings.identityFile);
  if (settings.axon) {
    put('CELL_AXON_HOST', settings.axon.host);
    if (settings.axon.port) put('CELL_AXON_PORT', settings.axon.port);
    put('CELL_ALLOWED_KEYS', settings.axon.allowedKeys === 'any' ? '*' : settings.axon.allowedKeys.join(','));
  }
  if (settings.cgroupProcs && settings.cgroupProcs.length > 0) put('CELL_CGROUP_PROCS', settings.cgroupProcs.join(':'));
  put('CELL_LOG_LEVEL', settings.logLevel);
  if (settings.callStats === false) put('CELL_CALL_STATS', '0');
  put('CELL_SPANS', settings.spans);
  put('CELL_KOFFI', settings.koffi);
  return out;
}

/** Every launch variable's name: a process starting a child cell strips these from its own environment. */
export const LAUNCH_ENV_KEYS: readonly string[] = Object.keys(LaunchEnvSchema.properties);
