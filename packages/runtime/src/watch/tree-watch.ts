import { type CellTree, loadCellConfig, loadCellTree, type TreeNode } from '@cell/config';
import { type CellError, toCellError } from '@cell/protocol';
import { type Clock, systemClock } from '@cell/wire';
import { genomeFromSource, readGenomeFile } from '../ribosome/contract-genome.ts';
import { affectedCells } from './affected-cells.ts';
import type { BatchTiming } from './change-batcher.ts';
import { SourceWatcher } from './source-watcher.ts';

/** How the watch changes the running tree: the same operations as `cell reload` (no call dropped). */
export interface WatchActions {
  reload(dir: string): Promise<unknown>;
  /** Reloads a producer whose genome changed together with its consumers (bindings regenerated, all type-checked). */
  reloadWithConsumers(dir: string): Promise<{ consumers: ReadonlyArray<{ cell: string }> }>;
  /** True when the cell's contract, as its source says now, differs from the genome it runs. */
  genomeChanged?(node: TreeNode): Promise<boolean>;
}

/** What the watch reports, one event at a time. */
export type WatchEvent =
  | { kind: 'changed'; files: string[]; cells: string[] }
  | { kind: 'reloaded'; cell: string; consumers: string[]; durationMs: number }
  /** Not reloaded (does not build, does not type-check, breaks a consumer...): the old version keeps serving. */
  | { kind: 'refused'; cell: string; error: CellError<string>; durationMs: number }
  /** The tree itself could not be read (a broken cell.toml): nothing was reloaded. */
  | { kind: 'error'; error: CellError<string> };

async function sourceGenomeChanged(node: TreeNode): Promise<boolean> {
  const next = await genomeFromSource(loadCellConfig(node.dir));
  return next !== undefined && next.fingerprint !== readGenomeFile(node.dir)?.fingerprint;
}

function hasConsumers(tree: CellTree, node: TreeNode): boolean {
  return tree.nodes.some((n) => Object.values(n.deps).includes(node));
}

/**
 * `cell mitosis --watch`: on every batch of saved files, reloads the cells they concern, producers
 * before consumers; a producer whose contract changed moves its consumers with it. A cell that
 * fails to build or type-check is refused and its old version keeps serving. Batches run one at a
 * time; changes made meanwhile form the next one.
 */
export class TreeWatch {
  private readonly root: string;
  private readonly actions: WatchActions;
  private readonly onEvent: (event: WatchEvent) => void;
  private readonly clock: Clock;
  private watcher: SourceWatcher | undefined;
  private readonly queued = new Set<string>();
  private running: Promise<void> | undefined;

  constructor(root: string, actions: WatchActions, onEvent: (event: WatchEvent) => void, clock: Clock = systemClock) {
    this.root = root;
    this.actions = actions;
    this.onEvent = onEvent;
    this.clock = clock;
  }

  start(timing?: BatchTiming): void {
    this.watcher = new SourceWatcher(this.root, (paths) => this.enqueue(paths), {
      clock: this.clock,
      ...(timing ? { timing } : {}),
      onError: (err) => this.onEvent({ kind: 'error', error: toCellError(err, 'CELL_E_INTERNAL') }),
    });
  }

  /** Stops watching; resolves once the batch in hand (if any) is done. */
  async close(): Promise<void> {
    this.watcher?.close();
    this.queued.clear();
    await this.running;
  }

  /** Queues changed files; they are applied after the batch in hand. */
  enqueue(paths: readonly string[]): Promise<void> {
    for (const p of paths) this.queued.add(p);
    this.running ??= this.drain().finally(() => (this.running = undefined));
    return this.running;
  }

  private async drain(): Promise<void> {
    while (this.queued.size > 0) {
      const batch = [...this.queued].sort();
      this.queued.clear();
      await this.apply(batch);
    }
  }

  private async apply(files: string[]): Promise<void> {
    let tree: CellTree;
    try {
      tree = loadCellTree(this.root);
    } catch (err) {
      this.onEvent({ kind: 'error', error: toCellError(err, 'CELL_E_CONFIG_INVALID') });
      return;
    }
    const cells = affectedCells(tree, files).filter((n) => n.config.cell.entry !== undefined);
    if (cells.length === 0) return;
    this.onEvent({ kind: 'changed', files, cells: cells.map((c) => c.name) });
    const done = new Set<string>();
    const genomeChanged = this.actions.genomeChanged ?? sourceGenomeChanged;
    for (const node of cells) {
      if (done.has(node.name)) continue;
      const started = this.clock.monotonic();
      const elapsed = () => Math.round(this.clock.monotonic() - started);
      try {
        if (hasConsumers(tree, node) && (await genomeChanged(node))) {
          const r = await this.actions.reloadWithConsumers(node.dir);
          const consumers = r.consumers.map((c) => c.cell);
          for (const c of [node.name, ...consumers]) done.add(c);
          this.onEvent({ kind: 'reloaded', cell: node.name, consumers, durationMs: elapsed() });
        } else {
          await this.actions.reload(node.dir);
          done.add(node.name);
          this.onEvent({ kind: 'reloaded', cell: node.name, consumers: [], durationMs: elapsed() });
        }
      } catch (err) {
        done.add(node.name);
        this.onEvent({ kind: 'refused', cell: node.name, error: toCellError(err, 'CELL_E_INTERNAL'), durationMs: elapsed() });
      }
    }
  }
}
