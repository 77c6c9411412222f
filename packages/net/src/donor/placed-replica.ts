import { createWriteStream, type WriteStream } from 'node:fs';
import type { CapsidExit, CapsidHost, CapsidProcess, CapsidRunSpec } from '@cell/runtime';
import type { Logger } from '@cell/sdk';
import type { AxonRelay } from './axon-relay.ts';

/** Restarts a replica gets after crashes before it is left failed. */
const MAX_RESTARTS = 3;
const RESTART_BASE_MS = 500;

export type ReplicaState = 'starting' | 'ready' | 'backoff' | 'failed' | 'stopped';

/**
 * One replica of a placed cell: its capsid (restarted after a crash, a few times, with growing
 * pauses), the relay that carries other nodes' calls to it (a Node cell's), and its log file (the capsid's stdout
 * and stderr, as the cell wrote them).
 */
export class PlacedReplica {
  readonly id: string;
  state: ReplicaState = 'starting';
  restarts = 0;
  lastExit: CapsidExit | undefined;
  private capsid: CapsidProcess | undefined;
  private readonly spec: CapsidRunSpec;
  private readonly host: CapsidHost;
  private readonly relay: AxonRelay | undefined;
  private readonly log: Logger;
  private readonly logFile: WriteStream;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  /** A capsid being started (`host.run` in flight): a stop waits for it, then finds it stopped. */
  private launching: Promise<CapsidProcess> | undefined;

  /** `relay`: none for a process cell (only its dependents in the placement reach it). */
  constructor(host: CapsidHost, spec: CapsidRunSpec, relay: AxonRelay | undefined, logFile: string, log: Logger) {
    this.id = spec.replica;
    this.host = host;
    this.spec = spec;
    this.relay = relay;
    this.log = log.child({ cell: spec.cell, replica: spec.replica });
    this.logFile = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
    this.logFile.on('error', () => undefined);
  }

  /** TCP port other nodes call it on (through the relay); undefined for a process cell. */
  get port(): number | undefined {
    return this.relay?.port;
  }

  /** Starts its capsid and resolves once the cell answers; rejects when it cannot start at all. */
  async start(): Promise<void> {
    this.state = 'starting';
    const launching = this.host.run(this.spec);
    this.launching = launching;
    let capsid: CapsidProcess;
    try {
      capsid = await launching;
    } finally {
      this.launching = undefined;
    }
    if (this.stopping) {
      // Stopped while it was being started (a restart's timer fired first): it never runs.
      await capsid.kill();
      return;
    }
    this.capsid = capsid;
    capsid.stdout.pipe(this.logFile, { end: false });
    capsid.stderr.pipe(this.logFile, { end: false });
    void capsid.exited.then((exit) => this.exited(capsid, exit));
    await capsid.ready;
    if (this.capsid === capsid && capsid.isRunning) {
      this.state = 'ready';
      this.log.info({ childPid: capsid.pid, startupMs: Date.now() - capsid.startedAt }, 'placed replica ready');
    }
  }

  private exited(capsid: CapsidProcess, exit: CapsidExit): void {
    if (this.capsid !== capsid) return;
    this.lastExit = exit;
    this.capsid = undefined;
    if (exit.requested || this.stopping) {
      this.state = 'stopped';
      return;
    }
    const fields = { code: exit.code, signal: exit.signal, oomKilled: exit.oomKilled, stderr: capsid.recentStderr.trim().slice(-500) };
    if (this.restarts >= MAX_RESTARTS) {
      this.state = 'failed';
      this.log.error(fields, exit.oomKilled ? 'placed replica went over its memory limit again; left failed' : 'placed replica crashed again; left failed');
      return;
    }
    const inMs = RESTART_BASE_MS * 2 ** this.restarts;
    this.restarts += 1;
    this.state = 'backoff';
    this.log.warn({ ...fields, restartInMs: inMs }, exit.oomKilled ? 'placed replica went over its memory limit and was killed; restarting' : 'placed replica exited; restarting');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopping) return;
      this.start().catch((err: unknown) => {
        this.log.error({ err }, 'placed replica could not restart');
      });
    }, inMs);
  }

  /** Processes in its capsid right now (0 when none runs). */
  processCount(): number {
    return this.capsid?.processCount() ?? 0;
  }

  /** Drains the cell (up to `graceMs`), closes its relay and log. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.timer) clearTimeout(this.timer);
    await this.launching?.catch(() => undefined);
    const capsid = this.capsid;
    if (capsid) this.lastExit = await capsid.drain(graceMs);
    if (this.state !== 'failed') this.state = 'stopped';
    await this.relay?.close();
    await new Promise<void>((resolve) => this.logFile.end(resolve));
  }
}
