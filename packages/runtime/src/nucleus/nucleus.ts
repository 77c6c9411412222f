import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { CellError } from '@cell/protocol';
import { type CellTree, loadCellTree, type TreeNode } from '@cell/config';
import { nucleusSocketPath, type ReplicaSpan, type TreeStatus, privateRunDir } from '@cell/host';
import type { Logger, Membrane } from '@cell/sdk';
import type { BuildResult } from '../ribosome/build-cell.ts';
import { buildTree } from '../ribosome/build-tree.ts';
import { writeGenomeFile } from '../ribosome/contract-genome.ts';
import { currentGenome } from '../ribosome/dependency-types.ts';
import { reportTypes } from '../ribosome/report-types.ts';
import type { TreeNetworkFactory } from '../network/tree-network.ts';
import type { PidLock } from '../files/pid-lock.ts';
import { ResourceLimiter } from './cgroups.ts';
import { cellEnvironment, dependencyEnvironment } from './cell-environment.ts';
import { CellSupervisor } from './cell-supervisor.ts';
import { replicaSpans, withReplicaStats } from './replica-reports.ts';
import { StartGate } from './start-gate.ts';
import { type SparePool, sparesFor } from './spare-pool.ts';
import { serveControl } from './control-handlers.ts';
import { inDependencyOrder, inReverseDependencyOrder } from './dependency-order.ts';
import { refuseForeignCells, refuseLongSocketPaths } from './preflight.ts';
import { removePointers, writePointers } from './run-pointers.ts';
import { RunDirWatch } from './run-dir-watch.ts';
import { reloadSupervisedCell, restartSupervisedCell } from './cell-reload.ts';
import { treeStatusOf } from './tree-status.ts';
import { acquireTreeLock } from './tree-lock.ts';
import type { TrustVerdict } from '../network/trust-filter.ts';
import { NetworkLink, servedCellsOf } from './network-link.ts';
import { openGateway } from '../gateway/open-gateway.ts';
import type { HttpDoor } from '../gateway/http-door.ts';
import { TreeObservers } from '../observe/tree-observers.ts';

export interface NucleusOptions {
  /** Root directory of the tree (holds the root cell.toml). */
  root: string;
  logger: Logger;
  /** Joins the network when the tree has `[network]` (never called otherwise). */
  network?: TreeNetworkFactory | undefined;
  /** Called whenever a cell or replica changes state (for live views). */
  onChange?: () => void;
  /** Called for each cell build (for progress output). */
  onBuild?: (result: BuildResult) => void;
  /** False: cells are built and reloaded without type-checking them (`--no-typecheck`). */
  typecheck?: boolean;
}

/**
 * The nucleus of a tree: builds every cell, starts them in dependency order, supervises them
 * (one CellSupervisor each), answers `cell status`/`start`/`reload`/`stop` on its control socket,
 * and stops the tree in reverse order. There is one per running tree and no global daemon.
 */
export class Nucleus {
  readonly tree: CellTree;
  readonly startedAt = Date.now();
  private readonly options: NucleusOptions;
  private readonly log: Logger;
  private readonly supervisors = new Map<TreeNode, CellSupervisor>();
  private readonly limiter: ResourceLimiter;
  /** At most this many replicas start at once across the tree (a cell with 1000 replicas included). */
  private readonly gate = new StartGate(Math.max(4, 2 * availableParallelism()));
  private readonly mains = new Map<TreeNode, string>();
  private control: Membrane | undefined;
  private lock: PidLock | undefined;
  private stopping: Promise<void> | undefined;
  private readonly building = new Set<TreeNode>();
  /** Old major versions kept running beside their successors for consumers built against them. */
  private readonly legacy: CellSupervisor[] = [];
  /** Cells waiting for their dependencies before they start. */
  private readonly waiting = new Set<TreeNode>();
  private readonly stoppedSignal = Promise.withResolvers<void>();
  private readonly watch: RunDirWatch;
  private link: NetworkLink | undefined;
  door: HttpDoor | undefined; // the tree's HTTP door ([gateway]), once its cells started
  private readonly observers: TreeObservers; // metrics, span export, dashboard ([observe])
  private running = false;
  /** A pre-started Node process for the next Node cell to start, in a tree whose cells sleep when idle. */
  private readonly spares: SparePool | undefined;

  private constructor(tree: CellTree, options: NucleusOptions) {
    this.tree = tree;
    this.options = options;
    this.log = options.logger.child({ component: 'runtime.nucleus' });
    this.watch = new RunDirWatch(this, this.log);
    this.limiter = new ResourceLimiter(createHash('sha256').update(tree.root.dir).digest('hex').slice(0, 10));
    this.observers = new TreeObservers(this, this.log);
    this.spares = sparesFor(tree, this.log);
  }

  /** Loads and validates the tree at `options.root` (throws CELL_E_CONFIG_* naming every problem). */
  static create(options: NucleusOptions): Nucleus {
    return new Nucleus(loadCellTree(options.root), options);
  }

  /**
   * Builds and starts every cell. Resolves once each was started (or failed to: see
   * `failedCells`); rejects, with nothing left running, when the tree cannot start at all.
   */
  async start(): Promise<void> {
    this.lock = acquireTreeLock(this.tree.root.dir);
    try {
      refuseForeignCells(this.tree);
      refuseLongSocketPaths(this.tree);
      privateRunDir(this.tree.root.dir);
      this.control = await serveControl(this, nucleusSocketPath(this.tree.root.dir), this.options.logger);
      writePointers(this.tree);
      await this.joinNetwork();
      this.createSupervisors();
      await this.observers.openEarly();
      await this.buildAll();
      await this.startAll();
      this.spares?.start(); // once the tree's own starts are done, not competing with them
      this.door = await openGateway(this.tree, this.log);
      await this.observers.openMetrics();
      this.running = true;
      this.watch.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Resolves when the tree has stopped (by `stop()`, or through the control socket). */
  get stopped(): Promise<void> {
    return this.stoppedSignal.promise;
  }

  private createSupervisors(): void {
    const { limiter, gate, log, spares } = this;
    const changed = () => {
      this.link?.network.announceSoon();
      this.options.onChange?.();
    };
    for (const node of this.tree.nodes) {
      const env = cellEnvironment(this.tree, node, this.link?.network.identityFile);
      const dependencyEnv = () => dependencyEnvironment(node, (dep) => this.supervisors.get(dep));
      this.supervisors.set(node, new CellSupervisor(node, { limiter, gate, log, spares, env, treeRoot: this.tree.root.dir, dependencyEnv, isTreeStopping: () => this.stopping !== undefined, changed, logFeed: this.observers.logFeed }));
    }
  }

  /** Serves the control socket again (its file was deleted: nothing could reach the old one). */
  async reopenControl(): Promise<void> {
    await this.control?.stop({ graceMs: 0 });
    this.control = await serveControl(this, nucleusSocketPath(this.tree.root.dir), this.options.logger);
  }

  cellsWithLostSockets(): string[] {
    return [...this.supervisors.values()].filter((s) => s.hasLostSockets).map((s) => s.name);
  }

  /** Stops and starts a cell's replicas (new processes bind their sockets anew). */
  async restartCell(name: string): Promise<void> {
    const sup = this.find(name);
    const main = sup && this.mains.get(sup.node);
    if (!sup || !main || this.stopping) return;
    await sup.stop();
    await sup.start(main);
  }

  find(cell: string): CellSupervisor | undefined {
    for (const [node, sup] of this.supervisors) if (node.dir === cell || node.name === cell) return sup;
    return this.legacy.find((l) => l.name === cell);
  }

  /** Trusted candidates on other nodes for a dependency (strangers are recorded for `cell status`, never returned). */
  resolve(name: string, major: number | null, via: string | null, trusted: readonly string[] | null): Promise<TrustVerdict> {
    return this.link?.resolve(name, major, via, trusted) ?? Promise.resolve({ candidates: [], refused: [] });
  }

  /** With `[network]` in the root cell.toml: join it, then bind dependencies on other nodes to their live genome (else cell.lock). */
  private async joinNetwork(): Promise<void> {
    const config = this.tree.root.config.network;
    if (!config) return;
    if (!this.options.network) throw new CellError('CELL_E_INVALID_ARGUMENT', 'this tree has [network] but the nucleus was given no network to join');
    this.link = await NetworkLink.join(this.options.network, { config, root: this.tree.root.dir, log: this.options.logger, localCells: () => servedCellsOf(this.allSupervisors()), localSpans: async (trace) => (await replicaSpans(this.allSupervisors(), { trace, limit: 10_000 })).spans, metricsRegistry: this.observers.treeMetrics?.registry }, this.log);
    for (const t of await this.link.bindRemoteDependencies(this.tree)) reportTypes(this.log, t);
  }

  private async buildAll(): Promise<void> {
    for (const n of this.tree.nodes) if (n.config.cell.entry) this.building.add(n);
    this.options.onChange?.();
    try {
      const { builds, types } = await buildTree(this.tree, {
        typecheck: this.options.typecheck !== false,
        onBuild: (result) => {
          const node = this.tree.nodes.find((n) => n.name === result.cell)!;
          this.mains.set(node, result.main);
          this.building.delete(node);
          this.log.info({ cell: result.cell, rebuilt: result.rebuilt, typecheck: result.typecheck, durationMs: Math.round(result.durationMs) }, result.rebuilt ? 'cell built' : 'cell build up to date');
          this.options.onBuild?.(result);
          this.options.onChange?.();
        },
      });
      for (const [node, r] of builds) this.mains.set(node, r.main);
      for (const n of this.tree.nodes) if (n.config.process) this.mains.set(n, n.config.file); // a process cell runs what its cell.toml says
      for (const t of types) reportTypes(this.log, t);
    } finally {
      this.building.clear();
      this.options.onChange?.();
    }
  }

  /** Starts each cell once its dependencies are up (or failed); independent cells start together. */
  private async startAll(): Promise<void> {
    for (const node of this.tree.nodes) this.waiting.add(node);
    await inDependencyOrder(this.tree, async (node) => {
      this.waiting.delete(node);
      const main = this.mains.get(node);
      if (!main || this.stopping) return; // stopped while starting: what has not started, never starts
      try {
        await this.supervisors.get(node)!.start(main);
        // A cell without a contract module: record the genome it serves.
        if (!node.config.cell.contract) {
          const live = await currentGenome(node, ['live']);
          if (live) writeGenomeFile(node.dir, live.genome);
        }
      } catch (err) {
        this.log.error({ cell: node.name, err }, 'cell failed to start');
        // A start that threw (not a replica that failed) must not leave the cell looking merely stopped.
        this.supervisors.get(node)!.markFailed((err as Error).message);
      }
    });
  }

  /** Cells that are not serving (failed to start, or past their restart limit). */
  failedCells(): string[] {
    return [...this.supervisors.values()].filter((s) => s.hasProcess && (s.state === 'failed' || s.state === 'starting')).map((s) => s.name);
  }

  /** `cell reload`: rebuilds a cell and replaces its replicas one by one (see reloadSupervisedCell). */
  reload(sup: CellSupervisor, typecheck = this.options.typecheck !== false): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
    return reloadSupervisedCell({ tree: this.tree, log: this.log, mains: this.mains, legacy: this.legacy, typecheck, isRunning: (node) => this.supervisors.get(node)?.isRunning ?? false }, sup);
  }

  /** `cell restart`: new processes of the current build, one replica at a time (see restartSupervisedCell). */
  restart(sup: CellSupervisor): Promise<{ replaced: number }> {
    return restartSupervisedCell({ log: this.log, mains: this.mains }, sup);
  }

  /** The status with what each cell's replicas report (calls served, dependency candidates). */
  fullStatus(): Promise<TreeStatus> {
    return withReplicaStats(this.status(), this.allSupervisors());
  }

  /** The spans other nodes keep of one trace (none off the network). */
  async remoteSpans(trace: string): Promise<ReplicaSpan[]> {
    return (await this.link?.network.remoteSpans?.(trace)) ?? [];
  }

  /** Every cell's supervisor, an old major version kept beside its new one included. */
  allSupervisors(): CellSupervisor[] {
    return [...this.supervisors.values(), ...this.legacy];
  }

  /** The status now (no questions to the replicas): for live views. */
  status(): TreeStatus {
    return treeStatusOf({
      tree: this.tree,
      startedAt: this.startedAt,
      phase: this.stopping ? 'stopping' : this.running ? 'running' : 'starting',
      supervisors: this.supervisors,
      legacy: this.legacy,
      building: this.building,
      waiting: this.waiting,
      network: this.link?.status() ?? null,
      sparePid: this.spares?.readyPid,
      gateway: this.door ? { url: `http://${this.door.address.host}:${this.door.address.port}`, cells: [...this.tree.root.config.gateway!.cells] } : null,
      ...this.observers.status(),
    });
  }

  /** Stops the tree: dependents before their dependencies, each drained within its grace period. */
  stop(): Promise<void> {
    this.stopping ??= this.stopTree();
    return this.stopping;
  }

  /** Second Ctrl-C: kill everything now. */
  kill(): void {
    for (const sup of this.allSupervisors()) sup.killAll();
  }

  private async stopTree(): Promise<void> {
    this.log.info({ root: this.tree.root.dir }, 'stopping tree');
    await this.door?.close();
    await this.observers.close(); // the span export sends the last spans before the replicas that keep them stop
    await Promise.allSettled(this.legacy.map((l) => l.stop()));
    await inReverseDependencyOrder(this.tree, (node) => this.supervisors.get(node)?.stop() ?? Promise.resolve());
    await this.link?.network.stop().catch((err: unknown) => this.log.warn({ err }, 'leaving the network failed'));
    this.watch.stop();
    await this.control?.stop({ graceMs: 100 });
    await this.spares?.close(); // after the cells: one restarting while they stopped could still take it
    if (this.lock) removePointers(this.tree);
    this.limiter.releaseAll();
    this.lock?.release();
    this.log.info({ root: this.tree.root.dir }, 'tree stopped');
    this.stoppedSignal.resolve();
  }
}
