import { existsSync } from 'node:fs';
import type { CellTree } from '@cell/config';
import { nucleusPointerPath, nucleusSocketPath, privateRunDir } from '@cell/host';
import type { Logger } from '@cell/sdk';
import { isPidLock, tryPidLock } from '../files/pid-lock.ts';
import { writePointers } from './run-pointers.ts';
import { nucleusPidPath } from './tree-lock.ts';

/** What the watch repairs, through its nucleus. */
export interface RunDirOwner {
  readonly tree: CellTree;
  /** Serves the control socket again (its file is gone: nothing can reach the old one). */
  reopenControl(): Promise<void>;
  /** Cells whose ready replicas' socket files are gone (their callers cannot reach them). */
  cellsWithLostSockets(): string[];
  /** Restarts a cell's replicas so they bind their sockets again. */
  restartCell(name: string): Promise<void>;
}

const CHECK_EVERY_MS = 1000;

/**
 * Keeps a running tree reachable when its `run/` directories are deleted under it: puts back the
 * nucleus's pid file, the pointers every cell has to it and its control socket, and restarts the
 * replicas whose sockets vanished — so `cell status`/`stop` keep working, and a caller never
 * starts an unsupervised copy of a cell because it could not find the running one.
 */
export class RunDirWatch {
  private readonly owner: RunDirOwner;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private repairing = false;

  constructor(owner: RunDirOwner, log: Logger) {
    this.owner = owner;
    this.log = log;
  }

  start(): void {
    this.timer = setInterval(() => void this.check(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One look (the timer calls it; tests may too). */
  async check(): Promise<void> {
    if (this.repairing) return;
    this.repairing = true;
    try {
      const tree = this.owner.tree;
      const root = tree.root.dir;
      if (!existsSync(nucleusPidPath(root))) {
        privateRunDir(root);
        const lock = tryPidLock(nucleusPidPath(root));
        this.log.warn({ root, repaired: isPidLock(lock) }, 'the nucleus pid file was deleted; put it back');
      }
      if (tree.nodes.some((n) => !existsSync(nucleusPointerPath(n.dir)))) {
        writePointers(tree);
        this.log.warn({ root }, 'pointers to the nucleus were deleted; put them back');
      }
      if (!existsSync(nucleusSocketPath(root))) {
        await this.owner.reopenControl();
        this.log.warn({ root }, 'the control socket was deleted; serving it again');
      }
      for (const cell of this.owner.cellsWithLostSockets()) {
        this.log.warn({ cell }, 'sockets of a cell were deleted; restarting its replicas to bind them again');
        await this.owner.restartCell(cell);
      }
    } catch (err) {
      this.log.error({ err }, 'could not repair the run directory');
    } finally {
      this.repairing = false;
    }
  }
}
