import { describe, expect, it } from 'vitest';
import { type CellError, decodeBody, FrameKind, type FrameParts, newTraceId, TransientBody } from '@cell/protocol';
import type { FramedConnection } from '../connection/framed-connection.ts';
import { silentLogger } from '../logger.ts';
import { StreamCredit } from '../streams/stream-flow.ts';
import { methodEntry, validator } from '../test-support/fake-host.ts';
import type { MethodEntry } from './method-entry.ts';
import { type OutputStreamSession, pumpOutput } from './output-pump.ts';
import { ServerCall } from './server-call.ts';

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

/** A fake session around one call: records frames and how the call ended. */
function harness(options: { windowBytes?: number; entry?: MethodEntry; peerMaxFrameBytes?: number; writable?: () => Promise<void> } = {}) {
  const entry = options.entry ?? methodEntry('count', 'serverStream', () => undefined);
  const call = new ServerCall(entry, Infinity, 5, newTraceId());
  call.credit = new StreamCredit(options.windowBytes ?? 1 << 20);
  const sent: FrameParts[] = [];
  const outcome: { ended: number; failed: Array<{ error: unknown; thrownByHandler: boolean }> } = { ended: 0, failed: [] };
  let current = true;
  const session: OutputStreamSession = {
    // As FramedConnection does, a frame takes its body's bytes when it is sent (an in-place encoding lasts until the next).
    conn: { send: (f: FrameParts) => sent.push(f.body instanceof TransientBody ? { ...f, body: f.body.copy() } : f), whenWritable: options.writable ?? (() => Promise.resolve()) } as unknown as FramedConnection,
    validateOutput: true,
    peerMaxFrameBytes: options.peerMaxFrameBytes ?? 1 << 20,
    isCurrent: (id, c) => current && id === 5 && c === call,
    end: () => {
      outcome.ended++;
      current = false;
    },
    fail: (_id, _call, error, thrownByHandler) => {
      outcome.failed.push({ error, thrownByHandler });
      current = false;
    },
  };
  const items = () => sent.filter((f) => f.kind === FrameKind.STREAM_DATA).map((f) => decodeBody(f.body));
  /** What the dispatcher does when a call is cancelled: no longer current, credit released, signal fired. */
  const cancel = (reason: unknown) => {
    current = false;
    call.credit?.cancel();
    call.abort(reason);
  };
  return { entry, call, sent, outcome, session, items, cancel, pump: (result: unknown) => pumpOutput(session, 5, call, entry, result, silentLogger) };
}

describe('pumpOutput', () => {
  it('sends every item of an iterable, then STREAM_END, and ends the call', async () => {
    const h = harness();
    await h.pump([1, 2, 3]);
    expect(h.items()).toEqual([1, 2, 3]);
    expect(h.sent.at(-1)).toEqual({ kind: FrameKind.STREAM_END, streamId: 5 });
    expect(h.sent.every((f) => f.streamId === 5)).toBe(true);
    expect(h.outcome).toEqual({ ended: 1, failed: [] });
  });

  it('pumps an async generator the same way', async () => {
    const h = harness();
    async function* gen() {
      yield 'a';
      await Promise.resolve();
      yield 'b';
    }
    await h.pump(gen());
    expect(h.items()).toEqual(['a', 'b']);
    expect(h.outcome.ended).toBe(1);
  });

  it("stays within the caller's credit: body bytes + 1 per item", async () => {
    const h = harness({ windowBytes: 5 });
    let pulled = 0;
    function* forever() {
      for (;;) {
        pulled++;
        yield 'x'; // 2 bytes of msgpack: 3 bytes of credit
      }
    }
    const done = h.pump(forever());
    await flush();
    expect(h.items()).toEqual(['x', 'x']); // 3 + 3 > 5: the second item overdraws, the third waits
    expect(pulled).toBe(2);
    h.call.credit!.add(6);
    await flush();
    expect(h.items()).toHaveLength(4);
    h.cancel(new Error('stop'));
    await done;
    expect(h.outcome).toEqual({ ended: 0, failed: [] });
  });

  it('pulls no item while the connection does not take output', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const h = harness({ writable: () => gate });
    let pulled = 0;
    const done = h.pump(
      (function* () {
        pulled++;
        yield 1;
      })(),
    );
    await flush();
    expect(pulled).toBe(0);
    release();
    await done;
    expect(h.items()).toEqual([1]);
  });

  it('stops the iterator when the call is cancelled, and sends nothing more', async () => {
    const h = harness({ windowBytes: 2 });
    let cleanedUp = false;
    async function* gen() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleanedUp = true;
      }
    }
    const done = h.pump(gen());
    await flush();
    const before = h.sent.length;
    h.cancel(new Error('the caller cancelled'));
    await done;
    await flush();
    expect(cleanedUp).toBe(true);
    expect(h.sent).toHaveLength(before);
    expect(h.sent.some((f) => f.kind === FrameKind.STREAM_END)).toBe(false);
  });

  it('drops an item the handler produced after its call was cancelled', async () => {
    const h = harness();
    let produce!: (v: number) => void;
    const pending = new Promise<number>((r) => (produce = r));
    async function* gen() {
      yield await pending;
    }
    const done = h.pump(gen());
    await flush();
    h.cancel(new Error('deadline'));
    produce(1);
    await done;
    expect(h.items()).toEqual([]);
  });

  it('fails the call, as thrown by the handler, when the result is not iterable or the iterator throws', async () => {
    const notIterable = harness();
    await notIterable.pump({ not: 'iterable' });
    expect(notIterable.outcome.failed).toMatchObject([{ error: expect.any(TypeError), thrownByHandler: true }]);

    const throws = harness();
    const boom = new Error('boom');
    await throws.pump(
      (function* () {
        yield 1;
        throw boom;
      })(),
    );
    expect(throws.items()).toEqual([1]);
    expect(throws.outcome.failed).toEqual([{ error: boom, thrownByHandler: true }]);
  });

  it('fails the call with its own CELL_E_INTERNAL when an item breaks the output schema', async () => {
    const entry = methodEntry('count', 'serverStream', () => undefined, { output: validator((v) => typeof v === 'number', [{ path: '/', message: 'must be number' }]) });
    const h = harness({ entry });
    await h.pump([1, 'two', 3]);
    expect(h.items()).toEqual([1]);
    const [failure] = h.outcome.failed;
    expect(failure?.thrownByHandler).toBe(false);
    expect(failure?.error).toMatchObject({ code: 'CELL_E_INTERNAL', details: { errors: [{ path: '/' }] } });
  });

  it("fails the call with CELL_E_FRAME_TOO_LARGE when an item exceeds the caller's frame limit", async () => {
    const h = harness({ peerMaxFrameBytes: 1024 });
    await h.pump(['small', 'x'.repeat(4000)]);
    expect(h.items()).toEqual(['small']);
    expect(h.outcome.failed).toHaveLength(1);
    expect((h.outcome.failed[0]!.error as CellError<string>).code).toBe('CELL_E_FRAME_TOO_LARGE');
    expect(h.outcome.failed[0]!.thrownByHandler).toBe(false);
  });
});
