import type { ReplicaStatus } from '@cell/host';
import type { RestartDecision } from './restart-policy.ts';
import type { ProcessExit } from './replica-process.ts';
import type { ReplicaState } from './replica-slot.ts';

export type ExitReason = NonNullable<ReplicaStatus['lastExit']>['reason'];

/** What the log tail and the cgroup say about how a process ended. */
export interface ExitEvidence {
  exit: ProcessExit;
  /** The kernel OOM-killed something in the replica's group. */
  oomKilled: boolean;
  /** The last lines the process wrote. */
  tail: readonly string[];
  /** The whole cell is stopping. */
  stopping: boolean;
}

/** Why a replica's process ended. */
export function classifyExit(e: ExitEvidence): ExitReason {
  if (e.exit.idle) return 'idle';
  if (e.exit.requested) return e.stopping ? 'stopped' : 'reload';
  if (e.oomKilled || e.tail.some((l) => /heap out of memory|ERR_WORKER_OUT_OF_MEMORY/i.test(l))) return 'oom';
  return 'crash';
}

/** What the supervisor does after an exit. */
export type ExitOutcome =
  | { state: Extract<ReplicaState, 'idle' | 'stopped'> }
  | { state: 'failed'; failure: string }
  | { state: 'backoff'; restartInMs: number; what: string };

/**
 * The supervisor's response to an exit: idle and deliberate exits rest; a crash or an OOM is
 * restarted after the backoff the restart policy gives, or marks the replica failed past its limit.
 */
export function exitOutcome(reason: ExitReason, stopping: boolean, decide: () => RestartDecision): ExitOutcome {
  if (reason === 'idle') return { state: 'idle' };
  if (reason === 'stopped' || reason === 'reload' || stopping) return { state: 'stopped' };
  const what = reason === 'oom' ? 'ran out of memory' : 'crashed';
  const decision = decide();
  if (!decision.restart) return { state: 'failed', failure: `${what} ${decision.reason}` };
  return { state: 'backoff', restartInMs: decision.delayMs, what };
}
