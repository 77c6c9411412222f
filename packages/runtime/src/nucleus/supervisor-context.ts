import type { Logger } from '@cell/sdk';
import type { ResourceLimiter } from './cgroups.ts';
import type { SparePool } from './spare-pool.ts';
import type { StartGate } from './start-gate.ts';
import type { LogFeed } from '../observe/log-feed.ts';

/** What a cell supervisor needs from the nucleus. */
export interface SupervisorContext {
  limiter: ResourceLimiter;
  log: Logger;
  /** Replica starts across the tree queue here (bounded concurrency). */
  gate: StartGate;
  /** The tree's spare Node process, which a Node replica starting becomes when it can. */
  spares?: SparePool | undefined;
  /** Environment every replica of this cell gets (deps, idle timeout, log level...). */
  env: Record<string, string>;
  /** The tree's root directory. */
  treeRoot: string;
  /** Addresses of the cell's dependencies that have ports (`CELL_DEP_<NAME>_*`), as they are now. */
  dependencyEnv?: () => Record<string, string>;
  /** True once the whole tree is stopping: nothing starts any more. */
  isTreeStopping?: () => boolean;
  /** Called on every state change (for live views). */
  changed(): void;
  /** Every replica's log lines as they are written, when a live view (the dashboard) watches them. */
  logFeed?: LogFeed | undefined;
}
