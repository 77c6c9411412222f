import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { type CellTree, loadCellTree, type TreeNode } from '@cell/config';
import { type LocalCell, type Logger, type Membrane, type NucleusPointer, nucleusContract, RUN_DIR, serve, type TreeStatus } from '@cell/sdk';
import { buildCell, type BuildResult } from '../ribosome/build-cell.ts';
import { ResourceLimiter } from './cgroups.ts';
import { CellSupervisor } from './cell-supervisor.ts';
import { acquireTreeLock, type TreeLock } from './tree-lock.ts';

export interface NucleusOptions {
  /** Root directory of the tree (holds the root cell.toml). */
  root: string;
  logger: Logger;
  /** Called whenever a cell or replica changes state (for live views). */
  onChange?: () => void;
  /** Called for each cell build (for progress output). */
  onBuild?: (result: BuildResult) => void;
}

/** The control socket of a tree, in the root cell's `run/`. */
export function nucleusSocketPath(root: string): string {
  return join(root, RUN_DIR, 'nucleus.sock');
}

function depsOf(node: TreeNode): Record<string, LocalCell> {
  return Object.fromEntries(Object.entries(node.deps).map(([k, d]) => [k, { name: d.name, dir: d.dir }]));
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
  /** Cells waiting for their dependencies before they start. */
  private waiting = new Set<TreeNode>();
  private readonly stoppedSignal = Promise.withResolvers<void>();

  private constructor(tree: CellTree, options: NucleusOptions) {
    this.tree = tree;
    this.options = options;
    this.log = options.logger.child({ component: 'runtime.nucleus' });
    this.limiter = new ResourceLimiter(createHash('sha256').update(tree.root.dir).digest('hex').slice(0, 10));
    for (const node of tree.nodes) {
      const env: Record<string, string> = {
        CELL_DEPS: JSON.stringify(depsOf(node)),
        CELL_GRACE_MS: String(node.config.lifeCycle.graceMs),
        NODE_COMPILE_CACHE: join(node.dir, '.cell', 'compile-cache'),
      };
      if (node.config.lifeCycle.idleTimeoutMs !== undefined) env['CELL_IDLE_TIMEOUT_MS'] = String(node.config.lifeCycle.idleTimeoutMs);
      this.supervisors.set(node, new CellSupervisor(node, { limiter: this.limiter, log: this.log, env, changed: () => options.onChange?.() }));
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
      await this.buildAll();
      await this.startAll();
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
        status: () => this.status(),
        start: async ({ cell }, ctx) => {
          const sup = this.find(cell);
          if (!sup) throw ctx.fail('NoSuchCell', { cell });
          try {
            await sup.ensureStarted();
          } catch (err) {
            throw ctx.fail('StartFailed', { reason: (err as Error).message });
          }
          return { ready: sup.status(null).replicas.filter((r) => r.state === 'ready').length };
        },
        reload: async ({ cell }, ctx) => {
          const sup = this.find(cell);
          if (!sup) throw ctx.fail('NoSuchCell', { cell });
          try {
            return await this.reload(sup);
          } catch (err) {
            throw ctx.fail('ReloadFailed', { reason: (err as Error).message });
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
    return undefined;
  }

  private async buildAll(): Promise<void> {
    const nodes = this.tree.nodes.filter((n) => n.config.cell.entry);
    for (const n of nodes) this.building.add(n);
    this.options.onChange?.();
    const failures: CellError<string>[] = [];
    await Promise.all(
      nodes.map(async (node) => {
        try {
          const result = await buildCell(node.config, depsOf(node));
          this.mains.set(node, result.main);
          this.log.info({ cell: node.name, rebuilt: result.rebuilt, durationMs: Math.round(result.durationMs) }, result.rebuilt ? 'cell built' : 'cell build up to date');
          this.options.onBuild?.(result);
        } catch (err) {
          failures.push(err as CellError<string>);
        } finally {
          this.building.delete(node);
          this.options.onChange?.();
        }
      }),
    );
    if (failures.length === 1) throw failures[0]!;
    if (failures.length > 1) {
      throw new CellError('CELL_E_BUILD_FAILED', failures.map((f) => f.message).join('\n'), { details: { errors: failures.map((f) => f.details) } });
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

  /** Rebuilds a cell and replaces its replicas one by one. */
  async reload(sup: CellSupervisor): Promise<{ replaced: number; rebuilt: boolean }> {
    const result = await buildCell(sup.node.config, depsOf(sup.node));
    this.mains.set(sup.node, result.main);
    this.log.info({ cell: sup.name, rebuilt: result.rebuilt }, 'reloading cell');
    const replaced = await sup.reload(result.main);
    this.log.info({ cell: sup.name, replaced }, 'cell reloaded');
    return { replaced, rebuilt: result.rebuilt };
  }

  status(): TreeStatus {
    const parents = new Map<TreeNode, string>();
    for (const node of this.tree.nodes) for (const c of node.children) parents.set(c, node.name);
    return {
      version: 1,
      root: this.tree.root.dir,
      nucleus: { pid: process.pid, startedAt: this.startedAt, uptimeMs: Date.now() - this.startedAt },
      cells: this.tree.nodes.map((node) => {
        const s = this.supervisors.get(node)!.status(parents.get(node) ?? null);
        if (this.building.has(node)) s.state = 'building';
        else if (this.waiting.has(node) && s.state === 'stopped') s.state = 'starting';
        return s;
      }),
    };
  }

  /** Stops the tree: dependents before their dependencies, each drained within its grace period. */
  stop(): Promise<void> {
    this.stopping ??= this.stopTree();
    return this.stopping;
  }

  /** Second Ctrl-C: kill everything now. */
  kill(): void {
    for (const sup of this.supervisors.values()) sup.killAll();
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
    await Promise.allSettled(this.tree.nodes.map(stopNode));
    await this.control?.stop({ graceMs: 100 });
    for (const node of this.tree.nodes) rmSync(join(node.dir, RUN_DIR, 'nucleus.json'), { force: true });
    this.limiter.releaseAll();
    this.lock?.release();
    this.log.info({ root: this.tree.root.dir }, 'tree stopped');
    this.stoppedSignal.resolve();
  }
}
