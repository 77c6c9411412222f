import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Readable } from 'node:stream';
import { CellError } from '@cell/protocol';
import { MAX_TIMER_MS } from '@cell/wire';
import type { ReplicaLimits } from '../nucleus/cgroups.ts';
import type { ReplicaLog } from '../nucleus/replica-log.ts';
import { type CellStats, exitWithin, type ProcessExit, residentBytes, type SupervisedProcess } from '../nucleus/supervised-process.ts';
import { descriptorOf } from './activation-door.ts';
import { probeOnce, type ReadyProbe } from './ready-probe.ts';
import type { SystemUser } from './system-user.ts';

/** Everything needed to run one process of a process cell's replica (variables already expanded). */
export interface ExecSpec {
  cell: string;
  replicaId: string;
  cwd: string;
  /** The executable (an absolute path) and its arguments. */
  command: readonly string[];
  /** The whole environment of the process. */
  env: Record<string, string>;
  user: SystemUser | undefined;
  limits: ReplicaLimits;
  log: ReplicaLog;
  ready: ReadyProbe;
  readyTimeoutMs: number;
  stopSignal: NodeJS.Signals;
  /** Socket activation: listening sockets it takes over as LISTEN_FDS (fd 3 onwards), named in LISTEN_FDNAMES. */
  listen?: { servers: Server[]; names: string[] } | undefined;
}

/**
 * The launcher every process cell starts through (`sh -c`): it waits for the nucleus to release
 * it — once it is in its cgroup, so limits hold from the first instruction; a nucleus gone before
 * that closes the pipe, and nothing runs — then becomes the cell's executable.
 */
const LAUNCHER = 'read -r _ || exit 0\nif [ -n "${LISTEN_FDS:-}" ]; then export LISTEN_PID=$$; fi\nexec "$@" </dev/null';

/**
 * The watcher beside it, a child of the nucleus: when its pipe from the nucleus closes — the
 * process exited, or the nucleus died, even by SIGKILL — it kills the process's whole group, so
 * nothing a cell started outlives it or its tree.
 */
const WATCHER = 'while read -r _; do :; done\nkill -KILL -"$1" 2>/dev/null';

/** Calls `onLine` for each line of a stream (alongside the replica log reading it). */
function eachLine(stream: Readable, onLine: (line: string) => void): void {
  let pending = '';
  stream.on('data', (chunk: string | Buffer) => {
    pending += String(chunk);
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
    if (pending.length > 64 * 1024) pending = '';
  });
}

/** What a readiness check asks, in a few words, for errors. */
function describeProbe(p: ReadyProbe): string {
  switch (p.kind) {
    case 'tcp':
      return `TCP port ${p.port}`;
    case 'unix':
      return `socket ${p.path}`;
    case 'http':
      return `GET ${p.url}`;
    case 'exec':
      return `command ${p.command.join(' ')}`;
    case 'log':
      return `a log line matching /${p.pattern.source}/`;
    case 'started':
      return 'its start';
  }
}

/**
 * One OS process of a process cell (any executable): started in its own process group and
 * cgroup, as its user, with its output turned into the replica's JSON log lines; ready when its
 * readiness check passes; stopped with its stop signal, then SIGKILL for the whole group after
 * the grace period. The group never outlives its nucleus.
 */
export class ExecProcess implements SupervisedProcess {
  readonly pid: number;
  readonly startedAt = Date.now();
  readonly ready: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  readonly axonPort = undefined;
  private readonly child: ChildProcess;
  private readonly watcher: ChildProcess | undefined;
  private readonly spec: ExecSpec;
  private requested = false;
  private idle = false;
  private unready = false;
  private ended = false;
  private readonly logMatched = Promise.withResolvers<void>();

  constructor(spec: ExecSpec) {
    this.spec = spec;
    const user = spec.user;
    const listen = spec.listen;
    const activation = listen ? { LISTEN_FDS: String(listen.servers.length), LISTEN_FDNAMES: listen.names.join(':') } : {};
    this.child = spawn('/bin/sh', ['-c', LAUNCHER, `cell:${spec.replicaId}`, ...spec.command], {
      cwd: spec.cwd,
      env: { ...spec.env, ...activation },
      stdio: ['pipe', 'pipe', 'pipe', ...(listen?.servers.map(descriptorOf) ?? [])],
      detached: true,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    this.pid = this.child.pid ?? 0;
    for (const server of listen?.servers ?? []) server.close(); // the process has its own copy: the nucleus never accepts on it
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        if (this.child.pid === undefined) resolve(this.exit(null, null, `cannot start ${spec.command[0]}: ${err.message}`));
      });
      this.child.once('exit', (code, signal) => resolve(this.exit(code, signal, undefined)));
    });
    this.child.stdin!.on('error', () => undefined); // the launcher is gone: its exit is reported
    if (this.pid === 0) {
      this.ready = this.exited.then((e) => Promise.reject(new CellError('CELL_E_START_FAILED', e.cannotStart ?? 'cannot start')));
      this.ready.catch(() => undefined);
      return;
    }
    this.watcher = spawn('/bin/sh', ['-c', WATCHER, `cell-watch:${spec.replicaId}`, String(this.pid)], { stdio: ['pipe', 'ignore', 'ignore'] });
    this.watcher.on('error', () => undefined);
    this.watcher.stdin!.on('error', () => undefined);
    spec.log.attach(this.child.stdout!, 'stdout', this.pid);
    spec.log.attach(this.child.stderr!, 'stderr', this.pid);
    const pattern = spec.ready.kind === 'log' ? spec.ready.pattern : undefined;
    if (pattern) for (const s of [this.child.stdout!, this.child.stderr!]) eachLine(s, (line) => pattern.test(line) && this.logMatched.resolve());
    this.release();
    this.ready = this.waitReady();
    this.ready.catch(() => undefined);
  }

  /** Moves the launcher into the replica's cgroup, then lets it run the executable. */
  private release(): void {
    for (const file of (this.spec.limits.env['CELL_CGROUP_PROCS'] ?? '').split(':').filter(Boolean)) {
      try {
        writeFileSync(file, String(this.pid));
      } catch {
        // The limiter already warned when groups cannot be used; a group that vanished is not worse.
      }
    }
    this.child.stdin!.end('\n');
  }

  private exit(code: number | null, signal: NodeJS.Signals | null, cannotStart: string | undefined): ProcessExit {
    this.ended = true;
    this.watcher?.stdin?.end(); // the watcher kills what is left of the group, and exits
    return { code, signal, idle: this.idle, requested: this.requested, unready: this.unready, cannotStart, at: Date.now() };
  }

  private async waitReady(): Promise<void> {
    const { ready, readyTimeoutMs, replicaId } = this.spec;
    const deadline = Date.now() + readyTimeoutMs;
    const late = () => new CellError('CELL_E_TIMEOUT', `${replicaId} did not become ready within ${readyTimeoutMs} ms (waited for ${describeProbe(ready)})`);
    const died = this.exited.then((e) => {
      throw new CellError('CELL_E_UNAVAILABLE', `${replicaId} exited while starting (${e.signal ?? `code ${e.code}`})`);
    });
    died.catch(() => undefined);
    if (ready.kind === 'started') return;
    if (ready.kind === 'log') {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), Math.min(MAX_TIMER_MS, readyTimeoutMs))));
      try {
        return await Promise.race([this.logMatched.promise, died, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    for (let pause = 25; Date.now() < deadline; pause = Math.min(500, pause * 2)) {
      if (this.ended) await died;
      if (await Promise.race([probeOnce(ready, Math.max(50, Math.min(2000, deadline - Date.now()))), died])) {
        if (this.ended) await died;
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(pause, Math.max(0, deadline - Date.now()))));
    }
    throw late();
  }

  get isRunning(): boolean {
    return !this.ended && this.pid !== 0;
  }

  /** A process cell has no membrane to ask. */
  stats(): Promise<CellStats | undefined> {
    return Promise.resolve(undefined);
  }

  rssBytes(): number | null {
    return residentBytes(this.pid);
  }

  /** Stops it because no connection came for its idle timeout (socket activation): an idle exit, not a stop. */
  stopIdle(graceMs: number): Promise<ProcessExit> {
    this.idle = true;
    return this.drain(graceMs);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Sends the stop signal to the process; SIGKILL to its whole group after `graceMs`. */
  async drain(graceMs: number): Promise<ProcessExit> {
    this.requested = true;
    if (this.isRunning) {
      try {
        process.kill(this.pid, this.spec.stopSignal);
      } catch {
        // already gone
      }
      return exitWithin(this.exited, graceMs, () => this.signalGroup('SIGKILL'));
    }
    return this.exited;
  }

  killUnready(): Promise<ProcessExit> {
    this.unready = true;
    if (this.isRunning) this.signalGroup('SIGKILL');
    return this.exited;
  }

  kill(): Promise<ProcessExit> {
    this.requested = true;
    if (this.isRunning) this.signalGroup('SIGKILL');
    return this.exited;
  }
}
