import { describe, expect, it } from 'vitest';
import { CellError, decodeBody, FrameKind, type FrameParts, type WireBody } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import { StreamCredit } from '../streams/stream-flow.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { pumpInput } from './input-pump.ts';
import { pendingCall, PendingCalls } from './pending-calls.ts';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** One registered call with an input stream, on a fake connection that records frames. */
function harness(windowBytes = 1 << 20, maxBodyBytes = 1 << 20) {
  const sent: FrameParts[] = [];
  const conn = { send: (f: FrameParts) => sent.push(f), whenWritable: () => Promise.resolve() } as unknown as FramedConnection;
  const pending = new PendingCalls(conn, new ManualClock(), () => undefined);
  const outcome: { value?: unknown; error?: CellError<string> } = {};
  const call = pendingCall(
    (v) => (outcome.value = v),
    (e) => (outcome.error = e),
  );
  call.credit = new StreamCredit(windowBytes);
  const id = pending.register(call, {}, undefined)!;
  const checkSize = (body: WireBody | undefined) =>
    (body?.length ?? 0) > maxBodyBytes ? new CellError('CELL_E_FRAME_TOO_LARGE', 'too large', { details: { bytes: body?.length } }) : undefined;
  return {
    sent,
    pending,
    call,
    id,
    outcome,
    items: () => sent.filter((f) => f.kind === FrameKind.STREAM_DATA).map((f) => decodeBody(f.body)),
    kinds: () => sent.map((f) => f.kind),
    pump: (source: AsyncIterable<unknown> | Iterable<unknown>) => pumpInput(conn, pending, id, call, source, checkSize),
  };
}

describe('pumpInput', () => {
  it('sends each item as STREAM_DATA on the call, then STREAM_END', async () => {
    const h = harness();
    await h.pump([1, 'two', { three: 3 }]);
    expect(h.items()).toEqual([1, 'two', { three: 3 }]);
    expect(h.kinds().at(-1)).toBe(FrameKind.STREAM_END);
    expect(h.sent.every((f) => f.streamId === h.id)).toBe(true);
    expect(h.outcome).toEqual({}); // the reply settles the call, not the pump
  });

  it('reads an async source', async () => {
    const h = harness();
    async function* source() {
      yield 'a';
      await new Promise((r) => setTimeout(r, 1));
      yield 'b';
    }
    await h.pump(source());
    expect(h.items()).toEqual(['a', 'b']);
  });

  it("stays within the cell's credit and goes on when it grants more", async () => {
    const h = harness(4);
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 6; i++) {
        pulled++;
        yield 'y'; // 2 bytes of msgpack + 1
      }
    }
    const done = h.pump(source());
    await flush();
    expect(h.items()).toHaveLength(2); // 3 + 3 > 4
    expect(pulled).toBe(3); // the third item waits for credit, the fourth is not pulled
    h.call.credit!.add(3);
    await flush();
    expect(h.items()).toHaveLength(3);
    h.call.credit!.add(100);
    await done;
    expect(h.items()).toHaveLength(6);
    expect(h.kinds().at(-1)).toBe(FrameKind.STREAM_END);
  });

  it('abandons the call with CELL_E_STREAM_ABORTED when the source fails, telling the cell', async () => {
    const h = harness();
    const cause = new Error('disk read failed');
    await h.pump(
      (function* () {
        yield 1;
        throw cause;
      })(),
    );
    expect(h.outcome.error?.code).toBe('CELL_E_STREAM_ABORTED');
    expect(h.outcome.error?.cause).toBe(cause);
    expect(h.kinds()).toEqual([FrameKind.STREAM_DATA, FrameKind.CANCEL]);
    expect(h.pending.size).toBe(0);
  });

  it('passes a CellError the source throws on as it is', async () => {
    const h = harness();
    const own = new CellError('CELL_E_CANCELLED', 'the user gave up');
    await h.pump({
      [Symbol.iterator]: () => ({
        next: () => {
          throw own;
        },
      }),
    });
    expect(h.outcome.error).toBe(own);
  });

  it("abandons the call with the size error when an item exceeds the cell's frame limit", async () => {
    const h = harness(1 << 20, 100);
    await h.pump(['ok', 'x'.repeat(500), 'never']);
    expect(h.items()).toEqual(['ok']);
    expect(h.outcome.error?.code).toBe('CELL_E_FRAME_TOO_LARGE');
    expect(h.kinds().at(-1)).toBe(FrameKind.CANCEL);
  });

  it('stops quietly once the call settled (the cell replied before reading everything)', async () => {
    const h = harness();
    let pulled = 0;
    const done = h.pump(
      (function* () {
        for (;;) {
          pulled++;
          if (pulled === 3) h.pending.settle(h.id, h.call);
          yield pulled;
        }
      })(),
    );
    await done;
    expect(h.items()).toEqual([1, 2]);
    expect(h.kinds()).not.toContain(FrameKind.STREAM_END);
    expect(pulled).toBe(3);
  });

  it('stops quietly when the stream is cancelled while waiting for credit', async () => {
    const h = harness(1);
    const done = h.pump(['a', 'b', 'c']);
    await flush();
    expect(h.items()).toEqual(['a']);
    h.pending.abandon(h.id, new CellError('CELL_E_TIMEOUT', 'deadline'));
    await done;
    expect(h.items()).toEqual(['a']);
    expect(h.kinds()).toEqual([FrameKind.STREAM_DATA, FrameKind.CANCEL]);
    expect(h.outcome.error?.code).toBe('CELL_E_TIMEOUT');
  });
});
