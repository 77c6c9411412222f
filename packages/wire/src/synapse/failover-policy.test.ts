import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { isDecisive, judgeFailover, MAX_FAILOVERS, wasLostInFlight } from './failover-policy.ts';

const ok = { final: false, aborted: false, closed: false, timeLeftMs: 1000 };
const unreachable = new CellError('CELL_E_UNAVAILABLE', 'cannot connect');
const lost = new CellError('CELL_E_UNAVAILABLE', 'closed with calls in flight', { details: { lostInFlight: true } });

describe('judgeFailover', () => {
  it('retries an unavailable candidate elsewhere, a bounded number of times', () => {
    expect(judgeFailover(unreachable, { attempt: 1, lost: 0 }, ok)).toEqual({ retry: true, state: { attempt: 2, lost: 0 } });
    expect(judgeFailover(unreachable, { attempt: MAX_FAILOVERS + 1, lost: 0 }, ok)).toEqual({ retry: false, error: unreachable });
  });

  it('never retries other errors, an aborted or closed call, a failed start, or past the deadline', () => {
    const timeout = new CellError('CELL_E_TIMEOUT', 'late');
    expect(judgeFailover(timeout, { attempt: 1, lost: 0 }, ok).retry).toBe(false);
    for (const ctx of [{ ...ok, aborted: true }, { ...ok, closed: true }, { ...ok, final: true }, { ...ok, timeLeftMs: 0 }]) {
      expect(judgeFailover(unreachable, { attempt: 1, lost: 0 }, ctx).retry).toBe(false);
    }
  });

  it('sends a call whose replica died handling it once more, never twice, and says why', () => {
    const first = judgeFailover(lost, { attempt: 1, lost: 0 }, ok);
    expect(first).toEqual({ retry: true, state: { attempt: 2, lost: 1 } });
    const second = judgeFailover(lost, { attempt: 2, lost: 1 }, ok);
    expect(second.retry).toBe(false);
    if (second.retry) return;
    expect(second.error).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { lostInFlight: 2 } });
    expect((second.error as CellError<string>).cause).toBe(lost);
  });
});

describe('error kinds', () => {
  it('tells a lost call and a decisive refusal apart', () => {
    expect(wasLostInFlight(lost)).toBe(true);
    expect(wasLostInFlight(unreachable)).toBe(false);
    expect(isDecisive(new CellError('CELL_E_DENIED', 'no'))).toBe(true);
    expect(isDecisive(new CellError('CELL_E_SCHEMA_MISMATCH', 'no'))).toBe(true);
    expect(isDecisive(unreachable)).toBe(false);
  });
});
