import { readFileSync } from 'node:fs';
import type { CellMessage } from '@cell/host';
import { MAX_TIMER_MS } from '@cell/wire';

/** What a replica reports about itself (calls, connections, its dependencies' candidates). */
export type CellStats = Extract<CellMessage, { type: 'cell:stats' }>;

/** Which spans to ask a replica for: one trace's (a hex prefix of its id), or those after the first `after` (an exporter's poll); at most `limit`. */
export interface SpanQuery {
  trace?: string | undefined;
  after?: number | undefined;
  limit: number;
}

/** A replica's spans, with the cursor of the next poll when asked with `after`. */
export type SpanAnswer = Omit<Extract<CellMessage, { type: 'cell:spans' }>, 'type' | 'id'>;

/** How a process ended. */
export interface ProcessExit {
  code: number | null;
  signal: string | null;
  /** The process announced apoptosis (idle exit) before leaving. */
  idle: boolean;
  /** The nucleus asked it to stop (drain or kill). */
  requested: boolean;
  /** The nucleus killed it because it did not answer a handshake within its ready timeout. */
  unready: boolean;
  /** It could not be started at all (a missing executable, a port in use): why. A retry cannot help. */
  cannotStart?: string | undefined;
  at: number;
}

/**
 * One OS process of a replica as its supervisor sees it, whatever it runs: a Node cell
 * (ReplicaProcess, forked, ready when it answers a handshake) or any executable (ExecProcess,
 * ready when its readiness check passes).
 */
export interface SupervisedProcess {
  readonly pid: number;
  readonly startedAt: number;
  /** True when a spare became the process (see SparePool). */
  readonly fromSpare?: boolean;
  /** Resolves once the process is ready to serve; rejects if it dies or is too slow. */
  readonly ready: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  /** TCP port of the process's axon, when it serves other nodes. */
  readonly axonPort: number | undefined;
  readonly isRunning: boolean;
  /** What the process reports about itself; undefined when it cannot say (or is gone). */
  stats(timeoutMs?: number): Promise<CellStats | undefined>;
  /** The spans the process keeps (see SpanQuery); undefined when it cannot say (gone, or no answer in time). */
  spans?(query: SpanQuery, timeoutMs?: number): Promise<SpanAnswer | undefined>;
  /** Resident memory in bytes (null when gone). */
  rssBytes(): number | null;
  /** Asks the process to stop; kills it after `graceMs` (+1 s). */
  drain(graceMs: number): Promise<ProcessExit>;
  /** Kills a process that never became ready: a failure (restarted with backoff), not a stop. */
  killUnready(): Promise<ProcessExit>;
  /** Kills the process at once. */
  kill(): Promise<ProcessExit>;
}



/** Waits for a process asked to stop; `kill` runs if it is still there after `ms`. */
export async function exitWithin(exited: Promise<ProcessExit>, ms: number, kill: () => void): Promise<ProcessExit> {
  const timer = setTimeout(kill, Math.min(MAX_TIMER_MS, ms));
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Resident memory of a process in bytes, from /proc (null when it is gone). */
export function residentBytes(pid: number): number | null {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : null;
  } catch {
    return null;
  }
}
