import { describe, expect, it } from 'vitest';
import { CellError, FrameKind, type FrameParts } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { pendingCall, PendingCalls } from './pending-calls.ts';

function fakeConn(sent: FrameParts[]): FramedConnection {
  return { send: (f: FrameParts) => sent.push(f) } as unknown as FramedConnection;
}

function call() {
  const outcome: { value?: unknown; error?: CellError<string> } = {};
  return { outcome, pending: pendingCall((v) => (outcome.value = v), (e) => (outcome.error = e)) };
}

describe('PendingCalls', () => {
  it('times out a call at its deadline, tells the cell with CANCEL, and fails it with CELL_E_TIMEOUT', () => {
    const clock = new ManualClock();
    const sent: FrameParts[] = [];
    const calls = new PendingCalls(fakeConn(sent), clock, () => undefined);
    const { outcome, pending } = call();
    const id = calls.register(pending, {}, 100)!;
    clock.advance(99);
    expect(outcome.error).toBeUndefined();
    clock.advance(1);
    expect(outcome.error?.code).toBe('CELL_E_TIMEOUT');
    expect(sent).toEqual([{ kind: FrameKind.CANCEL, streamId: id }]);
    expect(calls.size).toBe(0);
  });

  it('reads the clock once for the calls of one flush: a later call of the batch counts from the first, never from after', () => {
    const clock = new ManualClock();
    // A connection as PendingCalls sees it: a flush is pending once a frame was sent, until it runs.
    const conn = { flushes: 0, flushPending: false, send: () => (conn.flushPending = true) };
    const flush = () => {
      conn.flushes++;
      conn.flushPending = false;
    };
    const calls = new PendingCalls(conn as unknown as FramedConnection, clock, () => undefined);
    const first = call();
    calls.register(first.pending, {}, 100);
    conn.send(); // its request
    clock.advance(30); // the rest of the turn
    const second = call();
    calls.register(second.pending, {}, 100);
    expect(second.pending.deadline).toBe(first.pending.deadline); // 30 ms early, not late
    flush();
    const third = call();
    calls.register(third.pending, {}, 100);
    expect(third.pending.deadline).toBe(first.pending.deadline + 30); // a new batch reads the clock
    // A call registered while nothing is pending reads it too, even with no flush since.
    clock.advance(5);
    const fourth = call();
    calls.register(fourth.pending, {}, 100);
    expect(fourth.pending.deadline).toBe(third.pending.deadline + 5);
    clock.advance(65);
    expect([first, second].map((c) => c.outcome.error?.code)).toEqual(['CELL_E_TIMEOUT', 'CELL_E_TIMEOUT']);
    expect(third.outcome.error).toBeUndefined();
  });

  it('refuses at once a call whose deadline already passed or whose signal already fired', () => {
    const calls = new PendingCalls(fakeConn([]), new ManualClock(), () => undefined);
    const late = call();
    expect(calls.register(late.pending, {}, 0)).toBeUndefined();
    expect(late.outcome.error?.code).toBe('CELL_E_TIMEOUT');
    const aborted = call();
    expect(calls.register(aborted.pending, { signal: AbortSignal.abort() }, 1000)).toBeUndefined();
    expect(aborted.outcome.error?.code).toBe('CELL_E_CANCELLED');
    const nan = call();
    expect(calls.register(nan.pending, {}, Number.NaN)).toBeUndefined();
    expect(calls.size).toBe(0);
  });

  it('cancels on abort, and forgets the abort listener of a call that settled', () => {
    const clock = new ManualClock();
    const sent: FrameParts[] = [];
    const calls = new PendingCalls(fakeConn(sent), clock, () => undefined);
    const controller = new AbortController();
    const a = call();
    const id = calls.register(a.pending, { signal: controller.signal }, undefined)!;
    controller.abort();
    expect(a.outcome.error?.code).toBe('CELL_E_CANCELLED');
    expect(sent.map((f) => f.kind)).toEqual([FrameKind.CANCEL]);
    const again = new AbortController();
    const b = call();
    const idB = calls.register(b.pending, { signal: again.signal }, undefined)!;
    calls.settle(idB, b.pending);
    again.abort();
    expect(b.outcome.error).toBeUndefined();
    expect(id).not.toBe(idB);
  });

  it('hands out ids not in use, wrapping around', () => {
    const calls = new PendingCalls(fakeConn([]), new ManualClock(), () => undefined);
    const ids = new Set<number>();
    for (let i = 0; i < 100; i++) ids.add(calls.register(call().pending, {}, undefined)!);
    expect(ids.size).toBe(100);
    expect([...ids].every((id) => id > 0)).toBe(true);
  });

  it('fails every call when the connection goes, and says when it is empty', () => {
    let emptied = 0;
    const calls = new PendingCalls(fakeConn([]), new ManualClock(), () => emptied++);
    const a = call();
    const b = call();
    calls.register(a.pending, {}, 1000);
    calls.register(b.pending, {}, undefined);
    calls.failAll(() => new CellError('CELL_E_UNAVAILABLE', 'gone'));
    expect(a.outcome.error?.code).toBe('CELL_E_UNAVAILABLE');
    expect(b.outcome.error?.code).toBe('CELL_E_UNAVAILABLE');
    expect(calls.size).toBe(0);
    expect(emptied).toBeGreaterThan(0);
  });
});
