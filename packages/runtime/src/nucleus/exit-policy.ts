import { CellError } from '@cell/protocol';
import type { ReplicaStatus } from '@cell/host';
import type { RestartDecision } from './restart-policy.ts';
import type { ProcessExit } from './replica-process.ts';
import type { ReplicaState, Slot } from './replica-slot.ts';

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
  if (e.exit.unready && !e.stopping) return 'start-failed';
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
  const what = reason === 'oom' ? 'ran out of memory' : reason === 'start-failed' ? 'did not become ready in time' : 'crashed';
  const decision = decide();
  if (!decision.restart) return { state: 'failed', failure: `${what} ${decision.reason}` };
  return { state: 'backoff', restartInMs: decision.delayMs, what };
}

/**
 * A failed cell is not restarted by its callers before its restart window (`restart.within`)
 * passed since it failed — each call would otherwise restart it again, past its limit. `cell
 * reload` restarts it at once. Returns the error to answer start requests with, if any.
 */
export function refusedWhileFailed(cell: string, slots: readonly Pick<Slot, 'id' | 'state' | 'failure' | 'failedAt'>[], coolDownMs: number, now: number): CellError | undefined {
  const failed = slots.find((s) => s.state === 'failed' && now - (s.failedAt ?? 0) < coolDownMs);
  if (!failed) return undefined;
  const until = new Date((failed.failedAt ?? 0) + coolDownMs).toISOString();
  return new CellError('CELL_E_UNAVAILABLE', `cell ${cell} failed (${failed.failure ?? 'see its log'}); it is not restarted before ${until} unless reloaded (cell reload)`, {
    details: { cell, replica: failed.id, failure: failed.failure ?? null, until },
  });
}
