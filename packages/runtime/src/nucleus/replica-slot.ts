import { join } from 'node:path';
import type { TreeNode } from '@cell/config';
import { type ReplicaStatus, RUN_DIR } from '@cell/host';
import type { ReplicaLog } from './replica-log.ts';
import type { ReplicaProcess } from './replica-process.ts';
import { RestartTracker } from './restart-policy.ts';

export type ReplicaState = ReplicaStatus['state'];

/** One replica position (`inventory-2`): its current process, restarts and history. */
export interface Slot {
  index: number;
  id: string;
  socket: string;
  state: ReplicaState;
  current: ReplicaProcess | undefined;
  restarts: number;
  lastExit: ReplicaStatus['lastExit'];
  tracker: RestartTracker;
  /** Opened when the cell first starts. */
  log: ReplicaLog | undefined;
  generation: number;
  restartTimer: NodeJS.Timeout | undefined;
  failure: string | undefined;
}

/** The replica positions of a cell, all stopped. */
export function createSlots(node: TreeNode): Slot[] {
  const runDir = join(node.dir, RUN_DIR);
  return Array.from({ length: node.replicas }, (_, index) => {
    const id = `${node.name}-${index}`;
    return {
      index,
      id,
      socket: join(runDir, `${id}.sock`),
      state: 'stopped',
      current: undefined,
      restarts: 0,
      lastExit: null,
      tracker: new RestartTracker(node.config.lifeCycle.restart),
      log: undefined,
      generation: 0,
      restartTimer: undefined,
      failure: undefined,
    };
  });
}
