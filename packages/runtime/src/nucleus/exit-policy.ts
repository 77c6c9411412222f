import { CellError } from '@cell/protocol';
import type { ReplicaStatus } from '@cell/host';
import type { RestartDecision } from './restart-policy.ts';
import type { ProcessExit } from './supervised-process.ts';
import type { Logger } from '@cell/sdk';
import type { ReplicaLog } from './replica-log.ts';
import type { ReplicaState, Slot } from './replica-slot.ts';
import { exitCause } from './exit-cause.ts';

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

/** What `cell status` keeps of an exit: how, why in one line (`cause`), and the last lines. */
export function lastExitRecord(exit: ProcessExit, reason: ExitReason, tail: readonly string[]): NonNullable<ReplicaStatus['lastExit']> {
  return { code: exit.code, signal: exit.signal, reason, at: exit.at, cause: exitCause(tail) ?? null, logTail: tail.slice(-10) };
}


/** What the supervisor does after an exit. */
export type ExitOutcome =
  | { state: Extract<ReplicaState, 'idle' | 'stopped'> }
  | { state: 'failed'; failure: string }
  | { state: 'backoff'; restartInMs: number; what: string };

/**
 * The supervisor's response to an exit: idle and deliberate exits rest; a crash or an OOM is
 * restarted after the backoff the restart policy gives, or marks the replica failed past its limit.
 * A process that could not be started at all fails at once.
 */
export function exitOutcome(reason: ExitReason, stopping: boolean, decide: () => RestartDecision, cannotStart?: string): ExitOutcome {
  if (cannotStart !== undefined) return { state: 'failed', failure: `cannot start: ${cannotStart}` }; // a retry cannot help
  if (reason === 'idle') return { state: 'idle' };
  if (reason === 'stopped' || reason === 'reload' || stopping) return { state: 'stopped' };
  const what = reason === 'oom' ? 'ran out of memory' : reason === 'start-failed' ? 'did not become ready in time' : 'crashed';
  const decision = decide();
  if (!decision.restart) return { state: 'failed', failure: `${what} ${decision.reason}` };
  return { state: 'backoff', restartInMs: decision.delayMs, what };
}

/** A failure names the reason the process gave, when it gave one: `crashed 6 times ...: Error: listen EADDRINUSE ...`. */
export function withCause(outcome: ExitOutcome, cause: string | null): ExitOutcome {
  return outcome.state === 'failed' && cause ? { state: 'failed', failure: `${outcome.failure}: ${cause}` } : outcome;
}

/** Records an exit in its slot — its last exit, why it failed, or one more restart — and says what to do next. */
export function settleExit(slot: Slot, exit: ProcessExit, reason: ExitReason, tail: readonly string[], stopping: boolean, now: number): ExitOutcome {
  slot.current = undefined;
  slot.lastExit = lastExitRecord(exit, reason, tail);
  const cause = exit.cannotStart ? null : slot.lastExit.cause; // a start that failed already says why
  const outcome = withCause(exitOutcome(reason, stopping, () => slot.tracker.onCrash(now), exit.cannotStart), cause);
  if (outcome.state === 'failed') {
    slot.failure = outcome.failure;
    slot.failedAt = now;
  } else if (outcome.state === 'backoff') slot.restarts++;
  return outcome;
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

/** What is known of an exit when it is reported. */
export interface ExitReport {
  cell: string;
  replica: string;
  childPid: number;
  exit: ProcessExit;
  reason: ExitReason;
  restarts: number;
  logTail: readonly string[];
}

/** Logs an exit and what the supervisor does about it: in the nucleus's log and in the replica's own. */
export function reportExit(outcome: ExitOutcome, r: ExitReport, log: Logger, replicaLog: ReplicaLog): void {
  const fields = { cell: r.cell, replica: r.replica, childPid: r.childPid, code: r.exit.code, signal: r.exit.signal, reason: r.reason };
  if (outcome.state === 'idle') {
    log.info(fields, 'replica exited after its idle timeout');
    replicaLog.note('info', 'replica exited after its idle timeout (apoptosis)');
  } else if (outcome.state === 'failed') {
    log.error({ ...fields, failure: outcome.failure, logTail: r.logTail }, 'replica failed: restart limit reached');
    replicaLog.note('error', 'replica failed: restart limit reached', { failure: outcome.failure });
  } else if (outcome.state === 'backoff') {
    log.warn({ ...fields, restartInMs: outcome.restartInMs, restarts: r.restarts }, `replica ${outcome.what}; restarting`);
    replicaLog.note('warn', `replica ${outcome.what}; restarting`, { restartInMs: outcome.restartInMs, code: r.exit.code, signal: r.exit.signal, reason: r.reason });
  }
}
