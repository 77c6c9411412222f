import cluster, { type Worker } from 'node:cluster';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellTree } from '@cell/config';
import type { Logger } from '@cell/sdk';
import { MAIN_FILE } from '../ribosome/build-cell.ts';
import { sdkOfBuild } from '../ribosome/sdk-bundle.ts';

/** What the nucleus sends a spare to make it a cell: the bundle to run, where, with what environment. */
export interface SpareBecome {
  type: 'cell:become';
  main: string;
  cwd: string;
  env: Record<string, string>;
}

/** Makes a spare taken from a pool the cell's process: it runs `main` in `cwd` with the environment a fork with `env` would have had. */
export function becomeCell(spare: Worker, main: string, cwd: string, env: Record<string, string>): Worker {
  const message: SpareBecome = { type: 'cell:become', main, cwd, env: { ...stringsOf(process.env), ...env } };
  spare.send(message);
  return spare;
}

function stringsOf(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

const SPARE_ENTRY = fileURLToPath(new URL(`./spare-entry${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Node's own flags for a Node cell's process (a heap cap where no cgroup limits memory, source maps when asked for). */
export function nodeCellExecArgv(limitArgv: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  // Source maps cost ~30 MiB of RSS per process; the bundle is readable without them.
  return [...(env['CELL_SOURCE_MAPS'] === '1' ? ['--enable-source-maps'] : []), ...limitArgv];
}

/**
 * Variables Node (or libuv, or OpenSSL) reads when it starts: a spare started without a cell's
 * value for one of them would not run the cell as a process of its own would. The compile cache
 * is the exception, as a spare turns it on for the cell it becomes.
 */
function readAtStart(key: string): boolean {
  return /^(NODE_|UV_|SSL_|OPENSSL_)/.test(key) && key !== 'NODE_COMPILE_CACHE';
}

/**
 * True when a process started with `spareEnv` runs a cell as its own process would: the cell's
 * environment (`cellEnv`, what it adds to the nucleus's) sets no start-up variable otherwise.
 */
export function startsAlike(spareEnv: Readonly<Record<string, string | undefined>>, cellEnv: Readonly<Record<string, string | undefined>>): boolean {
  return Object.keys(cellEnv).every((key) => !readAtStart(key) || spareEnv[key] === cellEnv[key]);
}

export interface SparePoolOptions {
  /** Node flags of the spare (default: a cell's without limits); only a cell with the same gets it. */
  execArgv?: string[];
  /** The longest a taken spare's successor waits for the cell it became to listen (it starts then, so as not to compete with the cell starting), and the wait before a spare that died is replaced. */
  refillDelayMs?: number;
  /** How long after the cell a spare became listens its successor starts (default 100 ms). */
  afterListeningMs?: number;
  /** Told when a spare could not start (it exited before saying it is ready); no more are started. */
  onFailure?: (reason: string) => void;
  /**
   * The SDK bundle each new spare loads before it is ready (the one the tree's sleeping cells
   * import, see ribosome/sdk-bundle.ts): a cell started in it finds the SDK loaded. Only a cell
   * whose build links that bundle gets such a spare.
   */
  preload?: () => string | undefined;
  /** Told when a spare could not load the SDK bundle: the next ones load nothing. */
  onPreloadFailure?: (reason: string) => void;
}

/** What a spare says when it could not load the SDK bundle it was given; it exits then. */
export interface SparePreloadFailed {
  type: 'cell:spare-preload-failed';
  reason: string;
}

/**
 * One spare Node process kept ready for the next Node cell that starts (a sleeping cell woken by a
 * call, a restart): Node has started and loaded what every cell loads, so the cell's first reply
 * comes without Node's start-up. The spare becomes the cell's process (the nucleus moves it into
 * the cell's cgroup as the bundle starts, like any forked cell) and another is started shortly
 * after. A cell whose Node flags or start-up variables differ from the spare's is forked as usual.
 */
export class SparePool {
  private readonly execArgv: string[];
  private readonly refillDelayMs: number;
  private readonly afterListeningMs: number;
  private readonly onFailure: ((reason: string) => void) | undefined;
  private readonly preload: (() => string | undefined) | undefined;
  private readonly onPreloadFailure: ((reason: string) => void) | undefined;
  private preloadFailed = false;
  private spare: Worker | undefined;
  /** The SDK bundle the spare loaded (undefined: none). */
  private sparePreload: string | undefined;
  /** The environment the spare was started with. */
  private spareEnv: NodeJS.ProcessEnv = {};
  private ready = false;
  private refill: NodeJS.Timeout | undefined;
  private closed = false;
  private failed = false;

  constructor(options: SparePoolOptions = {}) {
    this.execArgv = options.execArgv ?? nodeCellExecArgv([]);
    this.refillDelayMs = options.refillDelayMs ?? 1000;
    this.afterListeningMs = options.afterListeningMs ?? 100;
    this.onFailure = options.onFailure;
    this.preload = options.preload;
    this.onPreloadFailure = options.onPreloadFailure;
  }

  /** Starts the first spare (again after `close`, no). */
  start(): void {
    if (!this.closed && !this.failed && !this.spare && !this.refill) this.fork();
  }

  /** The process id of the spare waiting now (undefined while none is ready). */
  get readyPid(): number | undefined {
    return this.ready ? this.spare?.process.pid : undefined;
  }

  /**
   * A ready spare for a cell to start with `execArgv` and `env` whose build loads the SDK bundle
   * `sdk` (a real path; undefined: none), or undefined when none is ready or it would not start
   * alike (other flags, start-up variables, another SDK loaded). The spare is no longer the
   * pool's: send it a {@link SpareBecome}.
   */
  take(execArgv: readonly string[], env: Readonly<Record<string, string | undefined>>, sdk?: string): Worker | undefined {
    const spare = this.spare;
    if (!spare || !this.ready || !sameArgs(execArgv, this.execArgv) || !startsAlike(this.spareEnv, env)) return undefined;
    if (this.sparePreload !== undefined && this.sparePreload !== sdk) {
      // An SDK rebuilt since the spare loaded it: a spare with the current one takes its place.
      if (this.preload?.() !== this.sparePreload) this.replace(spare);
      return undefined;
    }
    this.spare = undefined;
    this.ready = false;
    this.forkLater(spare);
    return spare;
  }

  /** Kills the waiting spare and starts another after the refill delay. */
  private replace(spare: Worker): void {
    this.spare = undefined;
    this.ready = false;
    spare.process.kill('SIGKILL');
    this.forkLater();
  }

  /** Kills the waiting spare and starts no other; resolves once it is gone. */
  close(): Promise<void> {
    this.closed = true;
    if (this.refill) clearTimeout(this.refill);
    this.refill = undefined;
    const spare = this.spare?.process;
    this.spare = undefined;
    if (!spare || spare.exitCode !== null || spare.signalCode !== null) return Promise.resolve();
    const gone = new Promise<void>((resolve) => spare.once('exit', () => resolve()));
    spare.kill('SIGKILL');
    return gone;
  }

  private fork(): void {
    cluster.schedulingPolicy = cluster.SCHED_NONE;
    // Settings last as long as the next change: every one a cell's fork sets is set here too.
    cluster.setupPrimary({ exec: SPARE_ENTRY, args: [], cwd: process.cwd(), execArgv: this.execArgv, silent: true });
    const preload = this.preloadFailed ? undefined : this.preload?.();
    // No compile cache of its own: the cell it becomes turns on the cell's.
    const spare = cluster.fork({ NODE_COMPILE_CACHE: '', ...(preload !== undefined && { CELL_SPARE_PRELOAD: preload }) });
    this.spareEnv = { ...process.env };
    this.spare = spare;
    this.sparePreload = preload;
    let preloadFailure: string | undefined;
    spare.on('error', () => undefined); // IPC to a dying spare: its exit says it
    spare.on('message', (m: unknown) => {
      if (this.spare !== spare) return;
      const message = m as Partial<SparePreloadFailed> | { type?: unknown } | null;
      if (message?.type === 'cell:spare-ready') this.ready = true;
      if (message?.type === 'cell:spare-preload-failed') preloadFailure = String((message as Partial<SparePreloadFailed>).reason);
    });
    // Node's cluster listens to its workers too: the pool's listeners stay on a taken spare, and do nothing then.
    spare.process.once('exit', (code, signal) => {
      if (this.spare !== spare) return;
      this.spare = undefined;
      if (this.closed) return;
      if (!this.ready && preloadFailure !== undefined) {
        this.preloadFailed = true;
        this.onPreloadFailure?.(`${preload}: ${preloadFailure}`);
        this.forkLater();
        return;
      }
      if (!this.ready) {
        this.failed = true;
        this.onFailure?.(`the spare process exited before it was ready (${signal ?? `code ${code}`})`);
        return;
      }
      this.ready = false;
      this.forkLater(); // killed while waiting (by hand, or out of memory): another takes its place
    });
  }

  /**
   * Forks the next spare after the refill delay — or, for a spare a cell has `taken`, once that cell
   * listens (and a moment more, for its first call) or ends, if sooner: not while it starts.
   */
  private forkLater(taken?: Worker): void {
    const fork = () => {
      if (this.refill !== timer) return;
      clearTimeout(timer);
      this.refill = undefined;
      if (!this.closed) this.fork();
    };
    const timer = setTimeout(fork, this.refillDelayMs).unref();
    this.refill = timer;
    taken?.once('listening', () => setTimeout(fork, this.afterListeningMs).unref());
    taken?.process.once('exit', fork);
  }
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * The spare a tree keeps: one when some Node cell of it sleeps when idle (`idle_timeout`), whose
 * first call after a sleep waits for its start; none otherwise (a spare holds a Node process's
 * memory and the SDK's, ~15 MiB). It loads the SDK bundle most of those cells link.
 */
export function sparesFor(tree: CellTree, log: Logger): SparePool | undefined {
  const sleeping = tree.nodes.filter((n) => n.config.cell.entry && !n.config.process && n.config.lifeCycle.idleTimeoutMs !== undefined);
  if (sleeping.length === 0) return undefined;
  return new SparePool({
    onFailure: (reason) => log.warn({ reason }, 'no spare process: cells start without one'),
    // Read at each spare's start: a rebuild may have given the cells a new SDK since the last.
    preload: () => mostCommon(sleeping.map((n) => sdkOfBuild(join(n.dir, MAIN_FILE)))),
    onPreloadFailure: (reason) => log.warn({ reason }, 'the spare process could not load the SDK: cells start in one that has not'),
  });
}

/** The value most of `values` have (undefined ones aside). */
function mostCommon(values: ReadonlyArray<string | undefined>): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  for (const [v, n] of counts) if (best === undefined || n > counts.get(best)!) best = v;
  return best;
}
