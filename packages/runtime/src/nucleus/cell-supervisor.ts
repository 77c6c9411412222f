import { existsSync } from 'node:fs';
import { CellError } from '@cell/protocol';
import { type CellConfig, runsProcess, type TreeNode } from '@cell/config';
import { type CellStatus, isProcessAlive } from '@cell/host';
import type { ReplicaLimits } from './cgroups.ts';
import { cellState, cellStatusOf, startOutcome } from './cell-status.ts';
import { classifyExit, refusedWhileFailed, reportExit, settleExit } from './exit-policy.ts';
import { allocatePorts, portsByName, type ReplicaPorts } from '../process/port-allocation.ts';
import type { ExecProcess } from '../process/exec-process.ts';
import { SocketActivation } from '../process/socket-activation.ts';
import { launchReplica } from './replica-launch.ts';
import type { ProcessExit, SupervisedProcess } from './supervised-process.ts';
import { clearStaleSocket, createSlots, markUnstartedFailed, prepareSlots, type ReplicaState, type Slot } from './replica-slot.ts';
import type { SupervisorContext } from './supervisor-context.ts';

/**
 * Supervises the replicas of one cell (the nucleus has one per cell), Node or process cell alike:
 * starts them, waits until they are ready, restarts crashed ones with backoff until the intensity
 * limit, records why each process ended (crash, out of memory, idle), and replaces them on reload.
 */
export class CellSupervisor {
  readonly node: TreeNode;
  /** What this supervisor was given (a sibling for an old major version reuses it). */
  readonly context: SupervisorContext;
  private readonly slots: Slot[];
  private main: string | undefined;
  private stopping = false;
  private starting: Promise<void> | undefined;
  private waiters: Array<() => void> = [];
  /** Exits being recorded (each a moment after its process ended): `stop` waits for them. */
  private readonly exitsInHand = new Set<Promise<void>>();
  private limitsWarning: string | undefined;
  /** Each replica's ports, allocated at the first start and kept (dependents were told them). */
  ports: readonly ReplicaPorts[] | undefined;
  private activation: SocketActivation | undefined;
  /** The cell's configuration its next processes start with (a reload reads cell.toml again). */
  config: CellConfig;
  /** The version its replicas run (a reload moves it on; an old major kept beside it keeps its own). */
  version: string;
  constructor(node: TreeNode, ctx: SupervisorContext) {
    this.node = node;
    this.context = ctx;
    this.slots = createSlots(node);
    this.version = node.config.cell.version;
    this.config = node.config;
  }

  get name(): string {
    return this.node.name;
  }

  /** True while some replica serves (or is about to). */
  get isRunning(): boolean {
    return this.slots.some((s) => s.state === 'ready' || s.state === 'starting' || s.state === 'backoff');
  }

  /** True for a cell with code (a pure group has none). */
  get hasProcess(): boolean {
    return runsProcess(this.config);
  }

  /** Starts every replica of the built cell at `main`; resolves when all answer, rejects when one fails for good. */
  start(main: string): Promise<void> {
    if (this.context.isTreeStopping?.()) return Promise.reject(new CellError('CELL_E_CLOSED', `the tree is stopping: ${this.name} does not start`));
    this.main = main;
    this.stopping = false;
    if (!this.hasProcess) return Promise.resolve();
    const unusable = prepareSlots(this.node, this.slots, this.context.logFeed);
    if (unusable) return Promise.reject(unusable);
    this.starting ??= (async () => {
      const pending = this.slots.filter((s) => !s.current && s.state !== 'backoff');
      await Promise.all(pending.map((s) => clearStaleSocket(s, this.node.dir)));
      this.ports ??= await allocatePorts(this.name, this.config.ports, this.slots.length);
      if (this.config.process?.activation === 'socket') return this.awaitConnections(pending);
      for (const slot of pending) void this.startThroughGate(slot);
      await this.settled();
    })().finally(() => (this.starting = undefined));
    return this.starting;
  }

  /** Socket activation: the replicas wait, idle, for a connection to their ports (see SocketActivation). */
  private async awaitConnections(pending: Slot[]): Promise<void> {
    const start = async (i: number) => {
      await this.startThroughGate(this.slots[i]!);
      if (this.slots[i]!.state !== 'ready') throw new CellError('CELL_E_UNAVAILABLE', `${this.slots[i]!.id} did not start: ${this.slots[i]!.failure ?? 'see its log'}`);
    };
    const stopIdle = (i: number) => void (this.slots[i]!.current as ExecProcess | undefined)?.stopIdle?.(this.config.lifeCycle.graceMs);
    this.activation ??= await SocketActivation.open(this.ports!, this.config.lifeCycle.idleTimeoutMs, { start, stopIdle });
    for (const slot of pending) this.setState(slot, 'idle');
  }

  /** Runs `replicas` replicas from now on: new ones started (resolves once each is ready or failed), the highest ones drained and dropped. */
  async scale(replicas: number): Promise<void> {
    const dropped = this.slots.splice(replicas);
    this.ports = this.ports?.slice(0, replicas);
    await Promise.all(dropped.map(async (s) => (await s.current?.drain(this.config.lifeCycle.graceMs), await s.log?.close())));
    const added = createSlots(this.node, this.slots.length, replicas - this.slots.length);
    this.slots.push(...added);
    const unusable = prepareSlots(this.node, added, this.context.logFeed);
    if (unusable) throw unusable; // a socket path too long for the new replicas' names
    if (this.ports) this.ports = [...this.ports, ...(await allocatePorts(this.name, this.config.ports, added.length))];
    await Promise.all(added.map((s) => this.startThroughGate(s)));
  }

  /** Starts a cell that went idle or was stopped (on-demand); resolves when ready. */
  ensureStarted(): Promise<void> {
    if (!this.main) return Promise.reject(new CellError('CELL_E_UNAVAILABLE', `cell ${this.name} was never built`));
    if (this.slots.every((s) => s.state === 'ready')) return Promise.resolve();
    const refused = refusedWhileFailed(this.name, this.slots, this.node.config.lifeCycle.restart.withinMs, Date.now());
    if (refused) return Promise.reject(refused);
    for (const s of this.slots) if (s.state === 'failed') s.tracker.reset();
    return this.start(this.main);
  }

  /** Spawns a replica when the tree's start gate lets it, and holds its place until the replica settles. */
  private startThroughGate(slot: Slot): Promise<void> {
    return this.context.gate.run(async () => {
      if (this.stopping || slot.current) return;
      this.spawn(slot);
      await new Promise<void>((resolve) => {
        const check = () => (slot.state === 'starting' && !this.stopping ? this.waiters.push(check) : resolve());
        check();
      });
    });
  }

  /** Resolves when every replica is ready; rejects as soon as one has failed for good (or the cell stops). */
  private settled(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const outcome = startOutcome(this.name, this.slots, this.stopping);
        if (outcome === undefined) this.waiters.push(check);
        else if (outcome === 'ready') resolve();
        else reject(outcome);
      };
      check();
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
    this.context.changed();
  }

  private setState(slot: Slot, state: ReplicaState): void {
    slot.state = state;
    this.notify();
  }

  /** Limits for the replica's next process; said once in the log when they cannot be enforced. */
  private limitsFor(slot: Slot): ReplicaLimits {
    const limits = this.context.limiter.limit(`${slot.id}.g${slot.generation}`, { memoryBytes: this.config.resources.memory.max, cpu: this.config.resources.cpu.max });
    if (limits.warning && limits.warning !== this.limitsWarning) this.context.log.warn({ cell: this.name, warning: (this.limitsWarning = limits.warning) }, 'resource limits not fully enforced');
    return limits;
  }

  private spawn(slot: Slot): SupervisedProcess {
    slot.generation++;
    slot.restartTimer = undefined;
    const limits = this.limitsFor(slot);
    const log = slot.log!;
    const env = { ...this.context.env, ...this.context.dependencyEnv?.() };
    const ports = this.ports?.[slot.index] ?? [];
    const listen = this.activation?.take(slot.index);
    const proc = launchReplica({ cell: this.name, config: this.config, replica: slot.id, main: this.main!, socket: slot.socket, treeRoot: this.context.treeRoot, env, ports, limits, log, listen, onAxon: () => this.notify(), spares: this.context.spares });
    const previous = slot.current;
    slot.current = proc;
    if (!previous) this.setState(slot, 'starting');
    log.note('info', 'replica starting', { generation: slot.generation, childPid: proc.pid, ...(proc.fromSpare ? { spare: true } : {}), ...portsByName(ports) });
    // Give the log stream a moment to deliver the process's last lines before recording the exit.
    const recorded: Promise<void> = proc.exited
      .then((exit) => new Promise<void>((resolve) => setTimeout(() => resolve(this.recordExit(slot, proc, exit, limits)), 50)))
      .finally(() => this.exitsInHand.delete(recorded));
    this.exitsInHand.add(recorded);
    proc.ready.then(
      () => {
        if (slot.current !== proc || !proc.isRunning) return;
        slot.failure = undefined;
        const startupMs = Date.now() - proc.startedAt;
        this.context.log.info({ cell: this.name, replica: slot.id, childPid: proc.pid, startupMs }, 'replica ready');
        log.note('info', 'replica ready', { childPid: proc.pid, startupMs });
        this.setState(slot, 'ready');
      },
      (err: unknown) => {
        if (slot.current !== proc || !proc.isRunning) return;
        // Alive but not answering: treat like a crash (the exit handler restarts it).
        slot.failure = (err as Error).message;
        log.note('error', 'replica did not become ready; killing it', { reason: slot.failure });
        void proc.killUnready();
      },
    );
    return proc;
  }

  private recordExit(slot: Slot, proc: SupervisedProcess, exit: ProcessExit, limits: ReplicaLimits): void {
    const tail = slot.log!.tail();
    const reason = classifyExit({ exit, oomKilled: limits.oomKilled(), tail, stopping: this.stopping });
    setTimeout(() => limits.release(), 200).unref();
    if (slot.current !== proc) return; // an older generation finished draining after a reload
    this.activation?.processGone(slot.index);
    const outcome = settleExit(slot, exit, reason, tail, this.stopping, Date.now());
    if (outcome.state === 'backoff') {
      slot.restartTimer = setTimeout(() => !this.stopping && slot.state === 'backoff' && void this.startThroughGate(slot), outcome.restartInMs);
    }
    reportExit(outcome, { cell: this.name, replica: slot.id, childPid: proc.pid, exit, reason, restarts: slot.restarts, logTail: slot.lastExit!.logTail }, this.context.log, slot.log!);
    this.setState(slot, outcome.state);
  }

  /** Replaces each replica by a process of the new build (and config), one at a time (see `replace`). */
  async reload(main: string, config: CellConfig = this.config): Promise<number> {
    this.main = main;
    this.config = config;
    let replaced = 0;
    for (const slot of this.slots) {
      const old = slot.current;
      if (old && slot.state === 'ready') {
        await this.replace(slot, old);
        replaced++;
      } else if (slot.state !== 'idle' && slot.state !== 'stopped') {
        if (slot.restartTimer) clearTimeout(slot.restartTimer);
        this.spawn(slot); // failed, backing off or starting: afresh, with the new build
      }
      slot.tracker.reset();
    }
    return replaced;
  }

  /** A Node cell's new process answers on the shared socket before the old one drains (no call dropped); a process cell's old one stops first (the new one needs its ports and files). */
  private async replace(slot: Slot, old: SupervisedProcess): Promise<void> {
    const graceMs = this.config.lifeCycle.graceMs;
    const exclusive = this.config.process !== undefined;
    if (exclusive) await old.drain(graceMs);
    const next = this.spawn(slot);
    if (exclusive) this.setState(slot, 'starting');
    const failure = await next.ready.then(() => undefined, (err: Error) => err.message);
    if (failure === undefined) return exclusive ? undefined : void (await old.drain(graceMs));
    if (exclusive) throw new CellError('CELL_E_UNAVAILABLE', `new process of ${slot.id} did not become ready: ${failure}; it is restarted with backoff`);
    slot.current = old;
    await next.kill();
    throw new CellError('CELL_E_UNAVAILABLE', `new build of ${slot.id} did not become ready: ${failure}; the old one keeps serving`);
  }

  /** Drains every replica (up to the grace period), then kills what is left. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const slot of this.slots) if (slot.restartTimer) clearTimeout(slot.restartTimer);
    const running = this.slots.filter((s) => s.current);
    for (const s of running) this.setState(s, 'stopping');
    await Promise.all(running.map((s) => s.current!.drain(this.config.lifeCycle.graceMs)));
    await Promise.all([...this.exitsInHand]); // each exit recorded (lastExit, its log lines) before the logs close
    for (const s of this.slots) if (s.state !== 'failed') s.state = 'stopped';
    this.notify();
    await this.activation?.close();
    this.activation = undefined;
    await Promise.all(this.slots.map((s) => s.log?.close()));
    for (const s of this.slots) s.log = undefined; // a later start opens them again
  }

  /** Marks the replicas that never got a process as failed, with why (a start that threw before spawning them). */
  markFailed(reason: string): void {
    markUnstartedFailed(this.slots, reason, Date.now());
    this.notify();
  }

  /** Kills every process at once (second Ctrl-C). */
  killAll(): void {
    this.stopping = true;
    for (const s of this.slots) void s.current?.kill();
  }

  /** Cell-level state, derived from the replicas. */
  get state(): CellStatus['state'] {
    return cellState(this.hasProcess, this.slots.map((s) => s.state));
  }

  /** True when a ready replica's socket file is gone (deleted under the running tree): callers cannot reach it. */
  get hasLostSockets(): boolean {
    // A replica that just died is not one, even before its exit event (a zombie): its exit is about to be recorded.
    return !this.config.process && this.slots.some((s) => s.state === 'ready' && s.current?.isRunning === true && isProcessAlive(s.current.pid) && !existsSync(s.socket));
  }

  /** Axon ports of the replicas that are ready (what this node serves other nodes). */
  servedPorts(): number[] {
    return this.slots.filter((s) => s.state === 'ready' && s.current?.axonPort !== undefined).map((s) => s.current!.axonPort!);
  }

  /** The replicas that have a process now (what replica-reports.ts asks for stats and spans). */
  processes(): Array<{ id: string; process: SupervisedProcess }> {
    return this.slots.flatMap((s) => (s.current ? [{ id: s.id, process: s.current }] : []));
  }

  status(parent: string | null): CellStatus {
    return cellStatusOf({ node: this.node, version: this.version, parent, state: this.state, hasProcess: this.hasProcess, slots: this.slots, ports: this.ports, isProcess: this.config.process !== undefined, limitsWarning: this.limitsWarning, enforcer: this.context.limiter.enforcer });
  }
}
