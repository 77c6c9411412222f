/** A `cell.toml` after validation: absolute paths, units in bytes and milliseconds, defaults applied. */
export interface CellConfig {
  /** Absolute path of the cell.toml file. */
  readonly file: string;
  /** Absolute path of the cell's directory. */
  readonly dir: string;
  readonly cell: {
    readonly name: string;
    readonly version: string;
    readonly description: string | undefined;
    /** Absolute path of the entry file; undefined for a cell that only groups sub-cells. */
    readonly entry: string | undefined;
    /**
     * Absolute path of the side-effect-free module that exports the cell's contract (default
     * `src/contract.ts` when it exists): the genome is read from it at build time.
     */
    readonly contract: string | undefined;
    /** Replicas the cell asks for (a parent's `[cells]` entry or a `[deps]` entry may ask for more). */
    readonly replicas: number;
    /** Caller connections one replica holds at most; more are refused with CELL_E_OVERLOADED. */
    readonly maxConnections: number;
  };
  readonly resources: Resources;
  readonly lifeCycle: LifeCycle;
  /** Dependencies by path (started with the tree). */
  readonly deps: Readonly<Record<string, DepSpec>>;
  /** Dependencies served by other nodes: at a static address, or found by name on the network. */
  readonly remoteDeps: Readonly<Record<string, RemoteDepSpec>>;
  /** Sub-cells: explicit `[cells]` entries plus the `cells/` folder. */
  readonly cells: Readonly<Record<string, SubCellSpec>>;
  readonly auth: { readonly allowedKeys: readonly string[] };
  /** The node this tree runs as on the network (`[network]`, root cell only); undefined: local only. */
  readonly network: NetworkConfig | undefined;
  /** What a process cell runs (`[cell] run`); undefined for a Node cell or a group. */
  readonly process: ProcessConfig | undefined;
  /** Ports the nucleus gives each replica (`[cell] ports`), in order: the first is also `PORT`. */
  readonly ports: readonly PortSpec[];
  /** Variables for the cell's processes: `env_file`, then `[env]` over it; `${VAR}` expanded at start. */
  readonly env: Readonly<Record<string, string>>;
  /** Variables read from files at start (`[secrets]`): name -> absolute path of a file only its owner reads. */
  readonly secrets: Readonly<Record<string, string>>;
  /** The HTTP door of the tree (`[gateway]`, root cell only); undefined: none. */
  readonly gateway: GatewayConfig | undefined;
  /** How the running tree is watched (`[observe]`, root cell only); undefined: the defaults. */
  readonly observe: ObserveConfig | undefined;
}

/** `[observe]`: where the tree serves its Prometheus metrics, and how many calls its replicas keep as spans. */
export interface ObserveConfig {
  /** Listen address of the metrics endpoint (a taken port is replaced by a free one); null: off. */
  readonly metrics: { host: string; port: number } | null;
  /** How many of its newest calls each replica keeps as spans for `cell trace`; 0: none. */
  readonly spans: number;
  /** The OTLP/HTTP URL the nucleus exports spans to (`…/v1/traces`); null: no export. */
  readonly otlp: string | null;
  /** Listen address of the web dashboard (a taken port is replaced by a free one); null: off. */
  readonly dashboard: { host: string; port: number } | null;
}

/** `[gateway]`: chosen cells' methods as HTTP/JSON, with an OpenAPI document. */
export interface GatewayConfig {
  readonly listen: { host: string; port: number };
  /** Names of the cells whose methods it exposes (`POST /<cell>/<method>`). */
  readonly cells: readonly string[];
  /** Largest request body, in bytes; a larger one is refused with 413. */
  readonly maxBodyBytes: number;
}

/** A port a replica gets: fixed, or allocated by the nucleus (0). */
export interface PortSpec {
  readonly name: string;
  readonly port: number;
}

/** How a process cell shows it is ready; values as written (`${PORT}` expanded at start). */
export type ReadyCheck =
  | { readonly kind: 'tcp'; readonly port: string }
  | { readonly kind: 'unix'; readonly path: string }
  | { readonly kind: 'http'; readonly target: string }
  | { readonly kind: 'exec'; readonly command: readonly string[] }
  | { readonly kind: 'log'; readonly pattern: string };

/** A process cell: any executable, supervised like a Node cell. */
export interface ProcessConfig {
  /** The executable and its arguments, as written. */
  readonly run: readonly string[];
  /** A user of this machine to run as; undefined: the nucleus's own. */
  readonly user: string | undefined;
  /** The URL dependents get as `CELL_DEP_<NAME>_URL` (a template); undefined: `tcp://${HOST}:${PORT}`. */
  readonly url: string | undefined;
  /** Undefined: ready once started (no ports), else a TCP connect to the first port. */
  readonly ready: ReadyCheck | undefined;
  /** Sent to stop it; SIGKILL follows after `[life_cycle] grace`. */
  readonly stopSignal: string;
  /** `start`: with the tree; `socket`: on the first connection to its ports, which it gets as LISTEN_FDS. */
  readonly activation: 'start' | 'socket';
  /** `[build]`: the command that builds it, run by the ribosome when its files changed; undefined: nothing to build. */
  readonly build: { readonly run: readonly string[]; readonly timeoutMs: number } | undefined;
}

/** True for a cell that runs a process (a Node entry or `run`), false for a group of cells. */
export function runsProcess(config: Pick<CellConfig, 'cell' | 'process'>): boolean {
  return config.cell.entry !== undefined || config.process !== undefined;
}

/** A dependency another node serves. */
export interface RemoteDepSpec {
  /** The cell's name on the other node (the dependency's key). */
  readonly name: string;
  /** `axon://[peer-id@]host:port` of a node that serves it; undefined: find it by name. */
  readonly axon: string | undefined;
  /**
   * Node keys trusted to serve it when it is found by name (beside `[network] trusted_keys`):
   * a node not listed is never sent a call.
   */
  readonly trust: readonly string[];
  /** Only this major version will do. */
  readonly major: number | undefined;
}

/** `[network]`: how this tree's node takes part in the network. */
export interface NetworkConfig {
  /** The node's directory (axon) address other nodes call, `host:port`. */
  readonly listen: { host: string; port: number };
  /** libp2p listen address for discovery (control plane), `host:port`. */
  readonly p2p: { host: string; port: number };
  /** libp2p multiaddrs of bootstrap nodes (wide area). */
  readonly bootstrap: readonly string[];
  /** Discovery mechanisms in use. */
  readonly discovery: readonly ('mdns' | 'gossip' | 'dht')[];
  /** Node keys trusted to serve every dependency this node finds by name (beside each dependency's `trust`). */
  readonly trustedKeys: readonly string[];
  /** Node keys allowed to call every cell of this node (beside each cell's own `[auth]`). */
  readonly allowedKeys: readonly string[];
  /** Milliseconds between announcements of this node's cells. */
  readonly announceEveryMs: number;
}

/** A `{ min, max }` pair; a bound not given is undefined. */
export interface Range {
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** `[resources]`: what one replica may use. */
export interface Resources {
  /** CPU cores. */
  readonly cpu: Range;
  /** Bytes. */
  readonly memory: Range;
  /** Bytes. */
  readonly storage: Range;
  readonly gpu: Range;
  /** Bytes the log files of one replica may take at most (the current file and two rotated ones). */
  readonly logs: Range & { readonly max: number };
}

/** `[life_cycle] restart`: when a crashed replica is restarted, and when it is given up on. */
export interface RestartPolicy {
  /** Restarts allowed within `withinMs` before the cell is marked failed. */
  readonly max: number;
  readonly withinMs: number;
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
}

/** `[life_cycle]`: how replicas start, stop, idle and restart. */
export interface LifeCycle {
  /** Apoptosis: exit after this long without connections or calls; undefined = never. */
  readonly idleTimeoutMs: number | undefined;
  /** A Node cell gives memory back after this long without calls; 0 = never; undefined = the SDK's default (5 s). */
  readonly memoryTrimMs: number | undefined;
  readonly restart: RestartPolicy;
  /** How long a stopping replica may drain before it is killed. */
  readonly graceMs: number;
  /** How long a starting replica has to answer the handshake. */
  readonly readyTimeoutMs: number;
}

/** A dependency started with the tree: a directory of this machine, or a cell of a git repository. */
export type DepSpec = PathDepSpec | GitDepSpec;

/** A dependency by path. */
export interface PathDepSpec {
  readonly kind: 'path';
  /** Absolute directory of the dependency. */
  readonly dir: string;
  /** Replicas this consumer asks for, if any. */
  readonly replicas: number | undefined;
}

/** A dependency from a git repository with a cell.toml at its root, checked out at the commit cell.lock names. */
export interface GitDepSpec {
  readonly kind: 'git';
  /** The repository (`https://...`, `ssh://...`, `file://...`, `git@host:path`), without `git+`. */
  readonly url: string;
  /** A tag, a branch, a commit, or `HEAD` (the default branch). */
  readonly ref: string;
  /** Its checkout (`.cell/deps/<name>@<commit>`), when cell.lock names a commit and it is there; undefined: not fetched yet. */
  readonly dir: string | undefined;
  readonly replicas: number | undefined;
}

/** A sub-cell: a `[cells]` entry or a directory of the `cells/` folder. */
export interface SubCellSpec {
  /** Absolute directory of the sub-cell. */
  readonly dir: string;
  readonly replicas: number | undefined;
  /** True when found in the `cells/` folder rather than listed in `[cells]`. */
  readonly discovered: boolean;
}

/** One problem found in a cell.toml: where, and what was expected. */
export interface ConfigProblem {
  file: string;
  line: number | undefined;
  /** Dotted key, e.g. `resources.memory.max`. */
  key: string;
  message: string;
}

/** `cell.toml:12: [resources] memory.max: ...` */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${p.key ? `${p.key}: ` : ''}${p.message}`;
}
