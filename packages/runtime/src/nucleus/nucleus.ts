import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { type CellTree, loadCellConfig, loadCellTree, type RemoteDepSpec, type TreeNode } from '@cell/config';
import { compareGenomes, formatChange, type Genome, type Logger, type Membrane, type NucleusPointer, nucleusContract, RUN_DIR, serve, type TreeStatus } from '@cell/sdk';
import { readLock } from '@cell/codegen';
import { genomeFromSource, readGenomeFile, writeGenomeFile } from '../ribosome/contract-genome.ts';
import { currentGenome, majorOf } from '../ribosome/dependency-types.ts';
import { buildCell, type BuildResult } from '../ribosome/build-cell.ts';
import { buildTree, localDeps } from '../ribosome/build-tree.ts';
import { reportTypes } from '../ribosome/report-types.ts';
import { ResourceLimiter } from './cgroups.ts';
import { CellSupervisor } from './cell-supervisor.ts';
import { acquireTreeLock, type TreeLock } from './tree-lock.ts';
import { cellHome, loadOrCreateIdentity, type LocalServedCell, NodeNetwork } from '@cell/net';
import { generateRemoteTypes } from '../ribosome/dependency-types.ts';

export interface NucleusOptions {
  /** Root directory of the tree (holds the root cell.toml). */
  root: string;
  logger: Logger;
  /** Called whenever a cell or replica changes state (for live views). */
  onChange?: () => void;
  /** Called for each cell build (for progress output). */
  onBuild?: (result: BuildResult) => void;
}

/** How long a starting node waits for a remote dependency it has never locked to be found. */
const REMOTE_GENOME_WAIT_MS = 20_000;

/** The control socket of a tree, in the root cell's `run/`. */
export function nucleusSocketPath(root: string): string {
  return join(root, RUN_DIR, 'nucleus.sock');
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
  private readonly mains = new Map<TreeNode, string>();
  private control: Membrane | undefined;
  private lock: TreeLock | undefined;
  private stopping: Promise<void> | undefined;
  private building = new Set<TreeNode>();
  /** Old major versions kept running beside their successors for consumers built against them. */
  private readonly legacy: CellSupervisor[] = [];
  /** Cells waiting for their dependencies before they start. */
  private waiting = new Set<TreeNode>();
  private readonly stoppedSignal = Promise.withResolvers<void>();
  private network: NodeNetwork | undefined;
  private running = false;

  private constructor(tree: CellTree, options: NucleusOptions) {
    this.tree = tree;
    this.options = options;
    this.log = options.logger.child({ component: 'runtime.nucleus' });
    this.limiter = new ResourceLimiter(createHash('sha256').update(tree.root.dir).digest('hex').slice(0, 10));
    const net = tree.root.config.network;
    for (const node of tree.nodes) {
      const env: Record<string, string> = {
        CELL_DEPS: JSON.stringify(localDeps(node)),
        CELL_GRACE_MS: String(node.config.lifeCycle.graceMs),
        CELL_NUCLEUS_SOCKET: nucleusSocketPath(tree.root.dir),
        NODE_COMPILE_CACHE: join(node.dir, '.cell', 'compile-cache'),
      };
      if (node.config.lifeCycle.idleTimeoutMs !== undefined) env['CELL_IDLE_TIMEOUT_MS'] = String(node.config.lifeCycle.idleTimeoutMs);
      if (net) {
        env['CELL_NETWORK'] = '1';
        env['CELL_IDENTITY_FILE'] = join(cellHome(), 'identity.json');
        // A cell serves other nodes only when some node key may call it.
        const allowed = [...node.config.auth.allowedKeys, ...net.allowedKeys];
        if (allowed.length > 0) {
          env['CELL_AXON_HOST'] = net.listen.host;
          env['CELL_ALLOWED_KEYS'] = allowed.includes('*') ? '*' : allowed.join(',');
        }
      }
      this.supervisors.set(
        node,
        new CellSupervisor(node, {
          limiter: this.limiter,
          log: this.log,
          env,
          changed: () => {
            this.network?.announceSoon();
            options.onChange?.();
          },
        }),
      );
    }
  }

  /** Loads and validates the tree at `options.root` (throws CELL_E_CONFIG_* naming every problem). */
  static create(options: NucleusOptions): Nucleus {
    return new Nucleus(loadCellTree(options.root), options);
  }

  /** Loads, builds and starts a tree (create + start). */
  static async start(options: NucleusOptions): Promise<Nucleus> {
    const nucleus = Nucleus.create(options);
    await nucleus.start();
    return nucleus;
  }

  /**
   * Builds and starts every cell. Resolves once each was started (or failed to: see
   * `failedCells`); rejects, with nothing left running, when the tree cannot start at all.
   */
  async start(): Promise<void> {
    this.lock = acquireTreeLock(this.tree.root.dir);
    try {
      await this.openControl();
      await this.joinNetwork();
      await this.buildAll();
      await this.startAll();
      this.running = true;
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Resolves when the tree has stopped (by `stop()`, or through the control socket). */
  get stopped(): Promise<void> {
    return this.stoppedSignal.promise;
  }

  private async openControl(): Promise<void> {
    mkdirSync(join(this.tree.root.dir, RUN_DIR), { recursive: true });
    const socketPath = nucleusSocketPath(this.tree.root.dir);
    this.control = await serve(
      nucleusContract,
      {
        status: () => this.fullStatus(),
        resolve: async ({ name, major, via }) => ({ candidates: (await this.network?.resolve(name, major, via)) ?? [] }),
        start: async ({ cell }, ctx) => {
          const sup = this.find(cell);
          if (!sup) throw ctx.fail('NoSuchCell', { cell });
          try {
            await sup.ensureStarted();
          } catch (err) {
            throw ctx.fail('StartFailed', { reason: (err as Error).message }, (err as Error).message);
          }
          return { ready: sup.status(null).replicas.filter((r) => r.state === 'ready').length };
        },
        reload: async ({ cell }, ctx) => {
          const sup = this.find(cell);
          if (!sup) throw ctx.fail('NoSuchCell', { cell });
          try {
            return await this.reload(sup);
          } catch (err) {
            throw ctx.fail('ReloadFailed', { reason: (err as Error).message }, (err as Error).message);
          }
        },
        stop: () => {
          setImmediate(() => void this.stop());
          return {};
        },
      },
      { socketPath, logger: this.options.logger },
    );
    const pointer: NucleusPointer = { pid: process.pid, socket: socketPath, root: this.tree.root.dir };
    for (const node of this.tree.nodes) {
      mkdirSync(join(node.dir, RUN_DIR), { recursive: true });
      writeFileSync(join(node.dir, RUN_DIR, 'nucleus.json'), `${JSON.stringify(pointer)}\n`);
    }
  }

  private find(cell: string): CellSupervisor | undefined {
    for (const [node, sup] of this.supervisors) if (node.dir === cell || node.name === cell) return sup;
    return this.legacy.find((l) => l.name === cell);
  }

  /** With `[network]` in the root cell.toml: the node identity, directory, discovery, remote bindings. */
  private async joinNetwork(): Promise<void> {
    const config = this.tree.root.config.network;
    if (!config) return;
    const identity = await loadOrCreateIdentity();
    this.network = await NodeNetwork.start({ identity, config, root: this.tree.root.dir, log: this.options.logger, localCells: () => this.servedCells() });
    // Dependencies on other nodes: bindings from their live genome (else from cell.lock).
    const network = this.network;
    const fetch = async (dep: RemoteDepSpec, locked: Genome | undefined): Promise<Genome | undefined> => {
      // Without a lock there is nothing to build against: give discovery time to find the producer.
      const deadline = Date.now() + (locked ? 0 : REMOTE_GENOME_WAIT_MS);
      for (;;) {
        const genome = await network.remoteGenome(dep.name, dep.major ?? null, dep.axon ?? null);
        if (genome || Date.now() >= deadline) return genome;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    for (const t of await generateRemoteTypes(this.tree, fetch)) {
      reportTypes(this.log, t);
    }
  }

  /** What this node serves other nodes: cells with ready replicas listening on an axon. */
  private servedCells(): LocalServedCell[] {
    const out: LocalServedCell[] = [];
    for (const sup of [...this.supervisors.values(), ...this.legacy]) {
      const ports = sup.servedPorts();
      const genome = ports.length > 0 ? readGenomeFile(sup.node.dir) : undefined;
      if (genome) out.push({ name: genome.name, version: genome.version, fingerprint: genome.fingerprint, ports });
    }
    return out;
  }

  private async buildAll(): Promise<void> {
    for (const n of this.tree.nodes) if (n.config.cell.entry) this.building.add(n);
    this.options.onChange?.();
    try {
      const { builds, types } = await buildTree(this.tree, {
        onBuild: (result) => {
          const node = this.tree.nodes.find((n) => n.name === result.cell)!;
          this.mains.set(node, result.main);
          this.building.delete(node);
          this.log.info({ cell: result.cell, rebuilt: result.rebuilt, durationMs: Math.round(result.durationMs) }, result.rebuilt ? 'cell built' : 'cell build up to date');
          this.options.onBuild?.(result);
          this.options.onChange?.();
        },
      });
      for (const [node, r] of builds) this.mains.set(node, r.main);
      for (const t of types) reportTypes(this.log, t);
    } finally {
      this.building.clear();
      this.options.onChange?.();
    }
  }

  /** Starts each cell once its dependencies are up (or failed); independent cells start together. */
  private async startAll(): Promise<void> {
    const started = new Map<TreeNode, Promise<void>>();
    const startNode = (node: TreeNode): Promise<void> => {
      let p = started.get(node);
      if (p) return p;
      const sup = this.supervisors.get(node)!;
      this.waiting.add(node);
      p = Promise.allSettled(Object.values(node.deps).map(startNode)).then(async () => {
        this.waiting.delete(node);
        const main = this.mains.get(node);
        if (!main) return;
        try {
          await sup.start(main);
          // A cell without a contract module: record the genome it serves.
          if (!node.config.cell.contract) {
            const live = await currentGenome(node, ['live']);
            if (live) writeGenomeFile(node.dir, live.genome);
          }
        } catch (err) {
          this.log.error({ cell: node.name, err }, 'cell failed to start');
        }
      });
      started.set(node, p);
      return p;
    };
    await Promise.all(this.tree.startOrder.map(startNode));
  }

  /** Cells that are not serving (failed to start, or past their restart limit). */
  failedCells(): string[] {
    return [...this.supervisors.values()].filter((s) => s.hasProcess && (s.state === 'failed' || s.state === 'starting')).map((s) => s.name);
  }

  /**
   * Rebuilds a cell and replaces its replicas one by one. A new genome that breaks a running
   * consumer's locked one is refused with the report — unless its major version went up: then the
   * old major keeps running beside the new one (`<name>-v<major>-<i>.sock`) for the consumers
   * built against it.
   */
  async reload(sup: CellSupervisor): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
    const node = sup.node;
    // The code and the version may have changed since the tree started: read cell.toml again.
    const config = loadCellConfig(node.dir);
    const newGenome = (await genomeFromSource(config)) ?? readGenomeFile(node.dir);
    const blocking: string[] = [];
    let keepMajor: number | null = null;
    if (newGenome) {
      for (const consumer of this.tree.nodes) {
        for (const [depName, dep] of Object.entries(consumer.deps)) {
          if (dep !== node || !this.supervisors.get(consumer)!.isRunning) continue;
          const locked = readLock(consumer.dir)?.deps[depName];
          if (!locked || locked.fingerprint === newGenome.fingerprint) continue;
          const report = compareGenomes(locked.genome, newGenome);
          if (report.breaking.length === 0) continue;
          if (majorOf(newGenome.version) > majorOf(locked.version)) keepMajor = majorOf(locked.version);
          else blocking.push(`${consumer.name} (built against ${locked.cell}@${locked.version}): ${report.breaking.map(formatChange).join('; ')}`);
        }
      }
    }
    if (blocking.length > 0) {
      throw new CellError(
        'CELL_E_SCHEMA_MISMATCH',
        `refused to reload ${node.name} ${newGenome!.version}: it breaks running consumers locked to its old genome:\n  ${blocking.join('\n  ')}\n` +
          'bump its major version to run both side by side, or update the consumers first (cell types, then fix what no longer compiles)',
        { details: { cell: node.name, blocking } },
      );
    }
    if (keepMajor !== null && !this.legacy.some((l) => l.name === `${node.name}-v${keepMajor}`)) await this.keepOldMajor(sup, keepMajor);
    const result = await buildCell(config, localDeps(node));
    this.mains.set(node, result.main);
    this.log.info({ cell: sup.name, rebuilt: result.rebuilt, version: newGenome?.version }, 'reloading cell');
    const replaced = await sup.reload(result.main);
    if (newGenome) writeGenomeFile(node.dir, newGenome);
    this.log.info({ cell: sup.name, replaced }, 'cell reloaded');
    return { replaced, rebuilt: result.rebuilt, keptMajor: keepMajor };
  }

  /** Starts the current (old-major) build of a cell as `<name>-v<major>` before it is replaced. */
  private async keepOldMajor(sup: CellSupervisor, major: number): Promise<void> {
    const node = sup.node;
    const dir = join(node.dir, '.cell', 'build', `v${major}`);
    mkdirSync(dir, { recursive: true });
    const main = join(dir, 'main.mjs');
    copyFileSync(this.mains.get(node)!, main);
    const legacyNode: TreeNode = { ...node, name: `${node.name}-v${major}` };
    const legacy = new CellSupervisor(legacyNode, sup.context);
    this.legacy.push(legacy);
    this.log.info({ cell: node.name, major }, 'keeping the old major version running beside the new one');
    await legacy.start(main);
  }

  /** The status with each cell's dependency candidates (asked of the replicas). */
  async fullStatus(): Promise<TreeStatus> {
    const status = this.status();
    const sups = new Map([...this.supervisors.values(), ...this.legacy].map((s) => [s.name, s]));
    await Promise.all(
      status.cells.map(async (c) => {
        const sup = sups.get(c.name);
        if (sup) c.deps = await sup.dependencyStats();
      }),
    );
    return status;
  }

  /** The status now (no questions to the replicas): for live views. */
  status(): TreeStatus {
    const parents = new Map<TreeNode, string>();
    for (const node of this.tree.nodes) for (const c of node.children) parents.set(c, node.name);
    return {
      version: 1,
      root: this.tree.root.dir,
      nucleus: { pid: process.pid, startedAt: this.startedAt, uptimeMs: Date.now() - this.startedAt, phase: this.stopping ? 'stopping' : this.running ? 'running' : 'starting' },
      cells: [
        ...this.tree.nodes.map((node) => {
          const s = this.supervisors.get(node)!.status(parents.get(node) ?? null);
          if (this.building.has(node)) s.state = 'building';
          else if (this.waiting.has(node) && s.state === 'stopped') s.state = 'starting';
          return s;
        }),
        ...this.legacy.map((l) => l.status(parents.get(this.tree.nodes.find((n) => n.dir === l.node.dir)!) ?? null)),
      ],
      network: this.network?.status() ?? null,
    };
  }

  /** Stops the tree: dependents before their dependencies, each drained within its grace period. */
  stop(): Promise<void> {
    this.stopping ??= this.stopTree();
    return this.stopping;
  }

  /** Second Ctrl-C: kill everything now. */
  kill(): void {
    for (const sup of [...this.supervisors.values(), ...this.legacy]) sup.killAll();
  }

  private async stopTree(): Promise<void> {
    this.log.info({ root: this.tree.root.dir }, 'stopping tree');
    const dependents = new Map<TreeNode, TreeNode[]>();
    for (const node of this.tree.nodes) {
      for (const d of [...Object.values(node.deps), ...node.children]) dependents.set(d, [...(dependents.get(d) ?? []), node]);
    }
    const stopped = new Map<TreeNode, Promise<void>>();
    const stopNode = (node: TreeNode): Promise<void> => {
      const known = stopped.get(node);
      if (known) return known;
      stopped.set(node, Promise.resolve()); // a child that depends on its parent must not wait for itself
      const p = Promise.allSettled((dependents.get(node) ?? []).map(stopNode)).then(() => this.supervisors.get(node)!.stop());
      stopped.set(node, p);
      return p;
    };
    await Promise.allSettled(this.legacy.map((l) => l.stop()));
    await Promise.allSettled(this.tree.nodes.map(stopNode));
    await this.network?.stop().catch((err: unknown) => this.log.warn({ err }, 'leaving the network failed'));
    await this.control?.stop({ graceMs: 100 });
    for (const node of this.tree.nodes) rmSync(join(node.dir, RUN_DIR, 'nucleus.json'), { force: true });
    this.limiter.releaseAll();
    this.lock?.release();
    this.log.info({ root: this.tree.root.dir }, 'tree stopped');
    this.stoppedSignal.resolve();
  }
}
