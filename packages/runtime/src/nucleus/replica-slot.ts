import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { MAX_SOCKET_PATH_BYTES, probeSocket } from '@cell/wire';
import type { TreeNode } from '@cell/config';
import { LOG_DIR, privateRunDir, type ReplicaStatus, RUN_DIR } from '@cell/host';
import { ReplicaLog } from './replica-log.ts';
import type { SupervisedProcess } from './supervised-process.ts';
import { RestartTracker } from './restart-policy.ts';
import type { LogFeed } from '../observe/log-feed.ts';

export type ReplicaState = ReplicaStatus['state'];

/** One replica position (`inventory-2`): its current process, restarts and history. */
export interface Slot {
  index: number;
  id: string;
  socket: string;
  state: ReplicaState;
  current: SupervisedProcess | undefined;
  restarts: number;
  lastExit: ReplicaStatus['lastExit'];
  tracker: RestartTracker;
  /** Opened when the cell first starts. */
  log: ReplicaLog | undefined;
  generation: number;
  restartTimer: NodeJS.Timeout | undefined;
  failure: string | undefined;
  /** Epoch ms the replica was given up on (past its restart limit). */
  failedAt: number | undefined;
}

/** The replica positions of a cell, all stopped. */
export function createSlots(node: TreeNode, from = 0, count = node.replicas): Slot[] {
  const runDir = join(node.dir, RUN_DIR);
  return Array.from({ length: count }, (_, i) => {
    const index = from + i;
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
      failedAt: undefined,
    };
  });
}

/** Marks the replicas that never got a process as failed, with why. */
export function markUnstartedFailed(slots: Slot[], reason: string, now: number): void {
  for (const s of slots) {
    if (s.current || s.state === 'failed') continue;
    s.state = 'failed';
    s.failure = reason;
    s.failedAt = now;
  }
}

/** Makes a cell's `run/` and `log/` and opens each replica's log; returns why a replica's socket cannot exist, if one cannot. */
export function prepareSlots(node: TreeNode, slots: Slot[], feed?: LogFeed): CellError | undefined {
  privateRunDir(node.dir);
  mkdirSync(join(node.dir, LOG_DIR), { recursive: true });
  for (const slot of slots) {
    const tooLong = socketPathProblem(slot);
    if (tooLong) return tooLong;
    slot.log ??= new ReplicaLog(join(node.dir, LOG_DIR, `${slot.id}.log`), { cell: node.name, replica: slot.id }, { maxBytes: node.config.resources.logs.max, feed });
  }
  return undefined;
}

/** Why a replica's socket cannot exist (a path over the 107 bytes of a Unix socket), if it cannot. */
export function socketPathProblem(slot: Pick<Slot, 'id' | 'socket'>): CellError | undefined {
  if (Buffer.byteLength(slot.socket) <= MAX_SOCKET_PATH_BYTES) return undefined;
  return new CellError('CELL_E_INVALID_ARGUMENT', `socket path of ${slot.id} is longer than ${MAX_SOCKET_PATH_BYTES} bytes: ${slot.socket}; move the tree to a shorter path`);
}

/** Removes a socket file a dead process left; refuses one another live process serves. */
export async function clearStaleSocket(slot: Pick<Slot, 'id' | 'socket'>, cellDir: string): Promise<void> {
  if (!existsSync(slot.socket)) return;
  if (await probeSocket(slot.socket)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${slot.id} is already served by another process on ${slot.socket}; stop it first (cell stop ${cellDir})`);
  }
  unlinkSync(slot.socket);
}
