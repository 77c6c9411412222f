import { describe, expect, it } from 'vitest';
import type { RestartDecision } from './restart-policy.ts';
import { classifyExit, type ExitEvidence, exitOutcome, type ExitReason, lastExitRecord, withCause } from './exit-policy.ts';

function evidence(overrides: Partial<Omit<ExitEvidence, 'exit'>> & { exit?: Partial<ExitEvidence['exit']> } = {}): ExitEvidence {
  return {
    oomKilled: false,
    tail: [],
    stopping: false,
    ...overrides,
    exit: { code: 1, signal: null, idle: false, requested: false, unready: false, at: 0, ...overrides.exit },
  };
}

describe('classifyExit', () => {
  it('an announced idle exit is idle, even when it was also asked to stop', () => {
    expect(classifyExit(evidence({ exit: { idle: true, code: 0 } }))).toBe('idle');
    expect(classifyExit(evidence({ exit: { idle: true, requested: true }, stopping: true }))).toBe('idle');
  });

  it('an exit the nucleus asked for is stopped while the cell stops, else a reload', () => {
    expect(classifyExit(evidence({ exit: { requested: true, code: 0 }, stopping: true }))).toBe('stopped');
    expect(classifyExit(evidence({ exit: { requested: true, signal: 'SIGKILL', code: null } }))).toBe('reload');
  });

  it('is oom when the cgroup saw an OOM kill or the log tail shows V8 running out of heap', () => {
    expect(classifyExit(evidence({ oomKilled: true, exit: { signal: 'SIGKILL', code: null } }))).toBe('oom');
    expect(classifyExit(evidence({ tail: ['starting', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory'] }))).toBe('oom');
    expect(classifyExit(evidence({ tail: ['Error [ERR_WORKER_OUT_OF_MEMORY]: worker terminated'] }))).toBe('oom');
  });

  it('anything else unasked for is a crash', () => {
    expect(classifyExit(evidence())).toBe('crash');
    expect(classifyExit(evidence({ exit: { code: 0 } }))).toBe('crash'); // a cell may not just leave
    expect(classifyExit(evidence({ exit: { code: null, signal: 'SIGKILL' }, tail: ['out of patience'] }))).toBe('crash');
  });

  it('a process killed for missing its ready timeout failed to start (restarted with backoff, counted), unless the cell is stopping', () => {
    expect(classifyExit(evidence({ exit: { unready: true, signal: 'SIGKILL', code: null } }))).toBe('start-failed');
    expect(classifyExit(evidence({ exit: { unready: true, signal: 'SIGKILL', code: null }, stopping: true }))).toBe('crash');
  });
});

describe('exitOutcome', () => {
  const restartIn = (delayMs: number) => (): RestartDecision => ({ restart: true, delayMs });
  const giveUp = (reason: string) => (): RestartDecision => ({ restart: false, reason });
  const mustNotDecide = (): RestartDecision => {
    throw new Error('the restart policy must not be consulted');
  };

  it('idle and deliberate exits rest without counting as crashes', () => {
    expect(exitOutcome('idle', false, mustNotDecide)).toEqual({ state: 'idle' });
    expect(exitOutcome('stopped', true, mustNotDecide)).toEqual({ state: 'stopped' });
    expect(exitOutcome('reload', false, mustNotDecide)).toEqual({ state: 'stopped' });
  });

  it('a crash or an OOM while the cell stops is not restarted', () => {
    for (const reason of ['crash', 'oom', 'start-failed'] as const) expect(exitOutcome(reason, true, mustNotDecide)).toEqual({ state: 'stopped' });
  });

  it('a crash or an OOM backs off for what the restart policy says', () => {
    expect(exitOutcome('crash', false, restartIn(200))).toEqual({ state: 'backoff', restartInMs: 200, what: 'crashed' });
    expect(exitOutcome('oom', false, restartIn(400))).toEqual({ state: 'backoff', restartInMs: 400, what: 'ran out of memory' });
    expect(exitOutcome('start-failed', false, restartIn(100))).toMatchObject({ state: 'backoff', restartInMs: 100 });
  });

  it('past the restart limit the replica is failed, with the policy\'s reason', () => {
    const crashed = exitOutcome('crash', false, giveUp('4 times within 1000 ms'));
    expect(crashed.state).toBe('failed');
    expect(crashed.state === 'failed' && crashed.failure).toContain('4 times within 1000 ms');
    const oom = exitOutcome('oom', false, giveUp('6 times within 60000 ms'));
    expect(oom.state === 'failed' && oom.failure).toContain('6 times within 60000 ms');
  });

  it('covers every exit reason the status schema knows', () => {
    const reasons: ExitReason[] = ['crash', 'oom', 'idle', 'stopped', 'reload', 'start-failed'];
    const states = reasons.map((r) => exitOutcome(r, false, restartIn(100)).state);
    expect(states).toEqual(['backoff', 'backoff', 'idle', 'stopped', 'stopped', 'backoff']);
  });
});

describe('lastExitRecord and withCause', () => {
  const crash = { code: 1, signal: null, idle: false, requested: false, unready: false, at: 5 };
  const tail = ['replica starting', 'Error: listen EADDRINUSE: address already in use 127.0.0.1:8080', '    at Server.setupListenHandle (node:net:1:1)', "  code: 'EADDRINUSE',", '}', 'Node.js v24.21.0'];

  it('records the line that says why, beside the last lines', () => {
    expect(lastExitRecord(crash, 'crash', tail)).toEqual({ code: 1, signal: null, reason: 'crash', at: 5, cause: 'Error: listen EADDRINUSE: address already in use 127.0.0.1:8080', logTail: tail });
    expect(lastExitRecord(crash, 'crash', Array.from({ length: 30 }, (_, i) => `line ${i}`)).logTail).toHaveLength(10);
    expect(lastExitRecord(crash, 'crash', []).cause).toBeNull();
  });

  it('a failure names the cause; other outcomes are left as they are', () => {
    expect(withCause({ state: 'failed', failure: 'crashed 6 times within 60000 ms (restart limit 5)' }, 'Error: listen EADDRINUSE 127.0.0.1:8080')).toEqual({
      state: 'failed',
      failure: 'crashed 6 times within 60000 ms (restart limit 5): Error: listen EADDRINUSE 127.0.0.1:8080',
    });
    expect(withCause({ state: 'failed', failure: 'crashed' }, null)).toEqual({ state: 'failed', failure: 'crashed' });
    expect(withCause({ state: 'backoff', restartInMs: 100, what: 'crashed' }, 'Error: x')).toEqual({ state: 'backoff', restartInMs: 100, what: 'crashed' });
  });
});
