import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { CellError } from '@cell/protocol';
import { connectDynamic } from '@cell/sdk';
import { MAX_TIMER_MS } from '@cell/wire';
import type { ReplicaLimits } from '../nucleus/cgroups.ts';
import { emptied, processCount } from './capsid-context.ts';
import type { InheritedSocket } from './inherited-socket.ts';
import { JOIN_CGROUP_FAILED } from './sandbox-spawn.ts';

/** How a capsid ended. */
export interface CapsidExit {
  /** bubblewrap's exit status: the cell's own, or 128 + n when a signal n ended the cell. */
  code: number | null;
  /** Signal that ended bubblewrap itself (the capsid was killed from outside). */
  signal: string | null;
  /** The kernel's OOM killer killed something in the capsid's cgroup: it went over its memory limit. */
  oomKilled: boolean;
  /** The owner asked it to stop (drain or kill). */
  requested: boolean;
  /** Killed because it did not become ready (answer a handshake, or pass its readiness probe) within its ready timeout. */
  unready: boolean;
  at: number;
}

const STDERR_TAIL_CHARS = 4000;
/** How a capsid that is not a Node cell (a process cell: no socket) is told ready and stopped. */
export interface CapsidProcessOptions {
  /** Readiness of a capsid without a socket (`readinessProbe`: one attempt, and the end of watching), tried every `everyMs`; none: ready once started. */
  readiness?: { probe: () => Promise<boolean>; stop: () => void; everyMs: number } | undefined;
  /** Sent to the cell's process to drain it. Default SIGTERM. */
  stopSignal?: NodeJS.Signals | undefined;
}

function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * One running capsid: bubblewrap with a cell inside, serving on its inherited socket. Shaped like
 * the nucleus's `ReplicaProcess` (`pid`, `ready`, `exited`, `drain`, `kill`) so a donor's nucleus
 * can supervise it the same way; it has no IPC channel — a sandboxed cell gets nothing from its
 * host but its socket, and is stopped by signals.
 */
export class CapsidProcess {
  /** Host pid of bubblewrap (the capsid dies with it). */
  readonly pid: number;
  readonly startedAt = Date.now();
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Resolves once the cell answers a handshake and its socket is published at the public path (a process cell: once its probe passed). */
  readonly ready: Promise<void>;
  readonly exited: Promise<CapsidExit>;
  /** Its inherited socket; undefined for a process cell. */
  readonly socket: InheritedSocket | undefined;
  private readonly stopSignal: NodeJS.Signals;
  private readonly child: ChildProcess;
  private readonly limits: ReplicaLimits;
  private requested = false;
  private unready = false;
  private stderrTail = '';

  constructor(child: ChildProcess, socket: InheritedSocket | undefined, limits: ReplicaLimits, readyTimeoutMs: number, options: CapsidProcessOptions = {}) {
    this.child = child;
    this.stopSignal = options.stopSignal ?? 'SIGTERM';
    this.pid = child.pid!;
    this.socket = socket;
    this.limits = limits;
    this.stdout = child.stdout!;
    this.stderr = child.stderr!;
    this.stderr.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const at = Date.now();
        socket?.remove();
        void emptied(limits).then(() => {
          resolve({ code, signal, oomKilled: limits.oomKilled(), requested: this.requested, unready: this.unready, at });
          limits.release();
        });
      });
    });
    // A process cell without a readiness probe is ready once started.
    this.ready = socket ? this.waitReady(readyTimeoutMs, socket) : options.readiness ? this.waitProbed(readyTimeoutMs, options.readiness) : Promise.resolve();
    this.ready.catch(() => undefined);
  }

  /** Rejects when the capsid exits, with why and its last stderr. */
  private died(): Promise<never> {
    const died = this.exited.then((e) => {
      const why = e.code === JOIN_CGROUP_FAILED ? 'could not join its cgroup' : e.oomKilled ? 'ran out of memory' : `exited (${e.signal ?? `code ${e.code}`})`;
      throw new CellError('CELL_E_UNAVAILABLE', `capsid ${this.pid} ${why} while starting: ${this.stderrTail.trim().slice(-500)}`, {
        details: { pid: this.pid, code: e.code, signal: e.signal, oomKilled: e.oomKilled },
      });
    });
    died.catch(() => undefined);
    return died;
  }

  private unreadyAfter(timeoutMs: number, what: string): CellError {
    this.unready = true;
    this.child.kill('SIGKILL');
    return new CellError('CELL_E_TIMEOUT', `capsid ${this.pid} did not ${what} within ${timeoutMs} ms`, { details: { pid: this.pid } });
  }

  private async waitProbed(timeoutMs: number, readiness: NonNullable<CapsidProcessOptions['readiness']>): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const died = this.died();
    try {
      while (Date.now() < deadline) {
        if (await Promise.race([readiness.probe(), died])) return;
        if (!this.isRunning) throw await died.catch((e: unknown) => e);
        await Promise.race([new Promise((r) => setTimeout(r, readiness.everyMs)), died]);
      }
      throw this.unreadyAfter(timeoutMs, 'become ready');
    } finally {
      readiness.stop();
    }
  }

  private async waitReady(timeoutMs: number, socket: InheritedSocket): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const died = this.died();
    while (Date.now() < deadline) {
      const probe = connectDynamic({ socketPath: socket.stagedPath, connectTimeoutMs: Math.max(100, deadline - Date.now()) });
      try {
        await Promise.race([probe.$connect(), died]);
        socket.publish();
        return;
      } catch (err) {
        if (!this.isRunning) throw await died.catch((e: unknown) => e);
        if ((err as CellError).code !== 'CELL_E_UNAVAILABLE' && (err as CellError).code !== 'CELL_E_TIMEOUT') throw err;
      } finally {
        await probe.$close();
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw this.unreadyAfter(timeoutMs, 'answer a handshake');
  }

  get isRunning(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Host pid of the cell's own process (the command bubblewrap's init started), once it runs. */
  cellPid(): number | undefined {
    const init = children(this.pid)[0];
    return init === undefined ? undefined : children(init)[0];
  }

  /** Processes in the capsid right now (bubblewrap's two included), from its cgroup. */
  processCount(): number {
    return processCount(this.limits);
  }

  /** Last lines the capsid wrote to stderr (bubblewrap's own errors included). */
  get recentStderr(): string {
    return this.stderrTail;
  }

  /**
   * Asks the cell to drain (its stop signal, SIGTERM by default: the SDK stops accepting,
   * finishes its calls within `CELL_GRACE_MS` and exits) and kills the capsid if it is still there after `graceMs` + 1 s.
   */
  async drain(graceMs: number): Promise<CapsidExit> {
    this.requested = true;
    if (this.isRunning) {
      const cell = this.cellPid();
      try {
        if (cell === undefined) this.child.kill('SIGKILL');
        else process.kill(cell, this.stopSignal);
      } catch {
        this.child.kill('SIGKILL');
      }
      const timer = setTimeout(() => this.child.kill('SIGKILL'), Math.min(MAX_TIMER_MS, graceMs + 1000));
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  /** Kills the whole capsid at once (bubblewrap, its init, and with them every process inside). */
  kill(): Promise<CapsidExit> {
    this.requested = true;
    if (this.isRunning) this.child.kill('SIGKILL');
    return this.exited;
  }
}
