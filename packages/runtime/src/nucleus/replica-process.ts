import cluster, { type Worker } from 'node:cluster';
import { CellError } from '@cell/protocol';
import { isCellMessage, type NucleusMessage } from '@cell/host';
import { connectDynamic } from '@cell/sdk';
import type { ReplicaLimits } from './cgroups.ts';
import { becomeCell, nodeCellExecArgv, type SparePool } from './spare-pool.ts';
import { sdkOfBuild } from '../ribosome/sdk-bundle.ts';
import type { ReplicaLog } from './replica-log.ts';
import { type CellStats, exitWithin, type ProcessExit, residentBytes, type SpanAnswer, type SpanQuery, type SupervisedProcess } from './supervised-process.ts';

/** Everything needed to run one process of a replica. */
export interface ProcessSpec {
  cell: string;
  replicaId: string;
  dir: string;
  /** Built entry (absolute). */
  main: string;
  /** Absolute socket path; the nucleus owns it, so generations can hand it over. */
  socket: string;
  env: Record<string, string>;
  limits: ReplicaLimits;
  log: ReplicaLog;
  readyTimeoutMs: number;
  /** Called when the process says which port its axon listens on. */
  onAxon?: (port: number) => void;
  /** The tree's spare Node process, which the replica becomes when it can (see SparePool). */
  spares?: SparePool | undefined;
}

/** Forks a Node cell's process. Sockets are shared by handle: the nucleus binds, replicas listen, the nucleus never accepts. */
function forkCell(main: string, cwd: string, execArgv: string[], env: Record<string, string>): Worker {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: main, args: [], cwd, execArgv, silent: true });
  return cluster.fork(env);
}

/** One OS process of a replica: forked, readiness-checked, drained. */
export class ReplicaProcess implements SupervisedProcess {
  readonly worker: Worker;
  readonly pid: number;
  readonly startedAt = Date.now();
  /** True when a spare became this process (see SparePool), false when it was forked. */
  readonly fromSpare: boolean;
  /** Resolves once the process listens and answers a handshake; rejects if it dies or is too slow. */
  readonly ready: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  /** TCP port of the process's axon, when it serves other nodes (told over IPC). */
  axonPort: number | undefined;
  private idle = false;
  private requested = false;
  private unready = false;
  private statsWaiters: Array<(m: CellStats | undefined) => void> = [];
  private readonly spanWaiters = new Map<number, (answer: SpanAnswer | undefined) => void>();
  private spanQueries = 0;
  private readonly spec: ProcessSpec;

  constructor(spec: ProcessSpec) {
    this.spec = spec;
    const execArgv = nodeCellExecArgv(spec.limits.execArgv);
    const env = { ...spec.env, ...spec.limits.env, CELL_NAME: spec.cell, CELL_REPLICA: spec.replicaId, CELL_SOCKET: spec.socket };
    const spare = spec.spares?.take(execArgv, env, sdkOfBuild(spec.main));
    this.fromSpare = spare !== undefined;
    this.worker = spare ? becomeCell(spare, spec.main, spec.dir, env) : forkCell(spec.main, spec.dir, execArgv, env);
    this.pid = this.worker.process.pid!;
    spec.log.attach(this.worker.process.stdout!, 'stdout', this.pid);
    spec.log.attach(this.worker.process.stderr!, 'stderr', this.pid);
    this.worker.on('message', (m: unknown) => {
      if (!isCellMessage(m)) return;
      if (m.type === 'cell:apoptosis') this.idle = true;
      else if (m.type === 'cell:axon') {
        this.axonPort = m.port;
        spec.onAxon?.(m.port);
      } else if (m.type === 'cell:spans') this.spanWaiters.get(m.id)?.(m);
      else {
        const waiters = this.statsWaiters;
        this.statsWaiters = [];
        for (const w of waiters) w(m);
      }
    });
    this.worker.on('error', () => undefined); // IPC to a dying process: the exit handler reports it
    this.exited = new Promise((resolve) => {
      this.worker.process.once('exit', (code, signal) => {
        resolve({ code, signal, idle: this.idle, requested: this.requested, unready: this.unready, cannotStart: undefined, at: Date.now() });
      });
    });
    this.ready = this.waitReady();
    this.ready.catch(() => undefined);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + this.spec.readyTimeoutMs;
    const listening = new Promise<void>((resolve) => this.worker.once('listening', () => resolve()));
    const died = this.exited.then((e) => {
      throw new CellError('CELL_E_UNAVAILABLE', `${this.spec.replicaId} exited while starting (${e.signal ?? `code ${e.code}`})`);
    });
    const late = new Promise<never>((_, reject) => {
      const t = setTimeout(
        () => reject(new CellError('CELL_E_TIMEOUT', `${this.spec.replicaId} did not answer a handshake within ${this.spec.readyTimeoutMs} ms`)),
        this.spec.readyTimeoutMs,
      );
      void this.exited.then(() => clearTimeout(t));
      void listening.then(() => clearTimeout(t)); // from here the handshake loop keeps the deadline
    });
    await Promise.race([listening, died, late]);
    // Listening is not enough: the replica is ready when its membrane answers a handshake. While
    // an older generation shares the socket, keep probing until this process is the one answering.
    while (Date.now() < deadline) {
      const probe = connectDynamic({ socketPath: this.spec.socket, connectTimeoutMs: Math.max(100, deadline - Date.now()) });
      try {
        const remote = await Promise.race([probe.$connect(), died]);
        if (remote.pid === undefined || remote.pid === this.pid) return;
      } catch (err) {
        if (this.worker.process.exitCode !== null || this.worker.process.signalCode !== null) throw err;
      } finally {
        await probe.$close();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new CellError('CELL_E_TIMEOUT', `${this.spec.replicaId} did not answer a handshake within ${this.spec.readyTimeoutMs} ms`);
  }

  get isRunning(): boolean {
    return this.worker.process.exitCode === null && this.worker.process.signalCode === null;
  }

  /** What the process reports about itself (calls, connections, its dependencies' candidates). */
  stats(timeoutMs = 300): Promise<CellStats | undefined> {
    if (!this.isRunning) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      this.statsWaiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
      try {
        this.worker.send({ type: 'cell:stats' } satisfies NucleusMessage);
      } catch {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
  }

  /** The spans the process keeps, asked over IPC (answers are matched by id: a late one is dropped). */
  spans(query: SpanQuery, timeoutMs = 1000): Promise<SpanAnswer | undefined> {
    if (!this.isRunning) return Promise.resolve(undefined);
    const id = ++this.spanQueries;
    return new Promise((resolve) => {
      const done = (answer: SpanAnswer | undefined) => {
        clearTimeout(timer);
        this.spanWaiters.delete(id);
        resolve(answer);
      };
      const timer = setTimeout(() => done(undefined), timeoutMs);
      this.spanWaiters.set(id, done);
      try {
        const { trace, after, limit } = query;
        this.worker.send({ type: 'cell:spans', id, limit, ...(trace === undefined ? {} : { trace }), ...(after === undefined ? {} : { after }) } satisfies NucleusMessage);
      } catch {
        done(undefined);
      }
    });
  }

  /** Resident memory in bytes, from /proc (null when gone). */
  rssBytes(): number | null {
    return residentBytes(this.pid);
  }

  /** Asks the process to drain and exit; kills it if it is still there after `graceMs` (+1 s). */
  async drain(graceMs: number): Promise<ProcessExit> {
    this.requested = true;
    if (this.isRunning) {
      try {
        this.worker.send({ type: 'cell:drain', graceMs } satisfies NucleusMessage);
      } catch {
        this.worker.process.kill('SIGTERM');
      }
      return exitWithin(this.exited, graceMs + 1000, () => this.worker.process.kill('SIGKILL'));
    }
    return this.exited;
  }

  /** Kills a process that never became ready: a failure of the replica (restarted with backoff, counted against its limit), not a stop. */
  killUnready(): Promise<ProcessExit> {
    this.unready = true;
    if (this.isRunning) this.worker.process.kill('SIGKILL');
    return this.exited;
  }

  /** Kills the process at once. */
  kill(): Promise<ProcessExit> {
    this.requested = true;
    if (this.isRunning) this.worker.process.kill('SIGKILL');
    return this.exited;
  }
}
