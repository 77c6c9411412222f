import { statSync } from 'node:fs';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { CellErrorCode } from '@cell/protocol';
import { connectDynamic } from './synapse.ts';
import { startEcho, waitFor, type EchoHarness } from './test-fixtures/harness.ts';
import { echoHandlers, observed } from './test-fixtures/echo-handlers.ts';
import { serve, type Membrane } from './membrane.ts';
import { toGenome } from '@cell/contract';
import { echoContract } from './test-fixtures/echo-contract.ts';

let h: EchoHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('membrane and synapse', () => {
  it('answers a typed unary call', async () => {
    h = await startEcho();
    const c = h.client();
    const out = await c.echo({ text: 'hi' });
    expectTypeOf(out).toEqualTypeOf<{ text: string }>();
    expect(out).toEqual({ text: 'hi' });
  });

  it('carries a payload of exactly the default 16 MiB limit both ways (framing does not count against it)', async () => {
    h = await startEcho();
    const text = 'x'.repeat(16 * 2 ** 20);
    const out = await h.client().echo({ text });
    expect(out.text.length).toBe(text.length);
  });

  it('pipelines large payloads whose requests and replies both exceed the write backlog (no deadlock)', async () => {
    h = await startEcho();
    const c = h.client();
    const text = 'y'.repeat(2 << 20); // 8 in flight: 16 MiB each way, four times the 4 MiB backlog limit
    const out = await Promise.all(Array.from({ length: 8 }, () => c.echo({ text }, { timeoutMs: 20_000 })));
    expect(out.every((o) => o.text.length === text.length)).toBe(true);
  });

  it('delivers a declared error typed and switchable', async () => {
    h = await startEcho();
    const r = await h.client().divide.try({ a: 6, b: 0 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const e = r.error;
    switch (e.code) {
      case 'DivideByZero':
        expectTypeOf(e.details).toEqualTypeOf<{ dividend: number }>();
        expect(e.details).toEqual({ dividend: 6 });
        expect(e.declared).toBe(true);
        break;
      default:
        expectTypeOf(e.code).toEqualTypeOf<CellErrorCode>();
        throw new Error(`unexpected ${e.code}`);
    }
  });

  it('rejects invalid input with the failing path, never calling the handler', async () => {
    h = await startEcho();
    // @ts-expect-error b must be a number
    const r = await h.client().divide.try({ a: 1, b: 'two' });
    expect(r.error?.code).toBe('CELL_E_INVALID_INPUT');
    expect((r.error?.details as { errors: Array<{ path: string }> }).errors.map((e) => e.path)).toEqual(['/b']);
  });

  it('answers an unknown method with CELL_E_UNKNOWN_METHOD', async () => {
    h = await startEcho();
    const d = connectDynamic({ socketPath: h.socketPath });
    await expect(d.call('nope', {})).rejects.toMatchObject({ code: 'CELL_E_UNKNOWN_METHOD' });
    await d.$close();
  });

  it('turns an undeclared exception into CELL_E_INTERNAL and keeps serving', async () => {
    h = await startEcho();
    const c = h.client();
    await expect(c.crash({})).rejects.toMatchObject({ code: 'CELL_E_INTERNAL' });
    expect(await c.echo({ text: 'still here' })).toEqual({ text: 'still here' });
  });

  it('pipelines many calls on one connection and completes them out of order', async () => {
    h = await startEcho();
    const c = h.client();
    const order: number[] = [];
    const slow = c.wait({ ms: 80 }).then(() => order.push(1));
    const fast = c.echo({ text: 'x' }).then(() => order.push(2));
    const many = Promise.all(Array.from({ length: 2000 }, (_, i) => c.echo({ text: String(i) })));
    await Promise.all([slow, fast]);
    expect(order).toEqual([2, 1]);
    expect((await many)[1999]).toEqual({ text: '1999' });
    expect(h.membrane.connections).toBe(1);
  });

  it('times out a call on both sides: the caller gets CELL_E_TIMEOUT and the handler signal fires', async () => {
    h = await startEcho();
    const before = observed.aborted;
    const started = Date.now();
    await expect(h.client().wait({ ms: 10_000 }, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'CELL_E_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(5000);
    await waitFor(() => observed.aborted > before, 5000, 'handler abort');
  });

  it('cancels a call on both sides when the caller aborts', async () => {
    h = await startEcho();
    const before = observed.aborted;
    const ac = new AbortController();
    const p = h.client().wait({ ms: 10_000 }, { signal: ac.signal });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toMatchObject({ code: 'CELL_E_CANCELLED' });
    await waitFor(() => observed.aborted > before, 5000, 'handler abort');
    await waitFor(() => h!.membrane.inFlight === 0, 5000, 'call cleanup');
  });

  it('fails every in-flight call at once with CELL_E_UNAVAILABLE when the connection drops, then reconnects', async () => {
    h = await startEcho();
    const c = h.client();
    await c.echo({ text: 'warm' });
    const calls = Array.from({ length: 20 }, () => c.wait({ ms: 10_000 }).catch((e: { code: string }) => e.code));
    await waitFor(() => h!.membrane.inFlight === 20, 5000, 'calls in flight');
    const started = Date.now();
    await h.membrane.stop({ graceMs: 1 }); // server gone
    const codes = await Promise.all(calls);
    expect(new Set(codes)).toEqual(new Set(['CELL_E_UNAVAILABLE']));
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(c.echo({ text: 'x' })).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    const again = await startEcho();
    try {
      const d = again.client();
      expect(await d.echo({ text: 'back' })).toEqual({ text: 'back' });
    } finally {
      await again.close();
    }
  });

  it('reconnects on the next call after the connection dropped', async () => {
    h = await startEcho();
    const c = h.client();
    await c.$connect();
    await h.membrane.stop({ graceMs: 1 });
    const m: Membrane<typeof echoContract> = await serve(echoContract, echoHandlers(() => m), { socketPath: h.socketPath });
    try {
      expect(await c.echo({ text: 'ok' })).toEqual({ text: 'ok' });
    } finally {
      await m.stop({ graceMs: 1 });
    }
  });

  it('exchanges fingerprints in the handshake and serves the full genome', async () => {
    h = await startEcho();
    const c = h.client();
    const remote = await c.$connect();
    expect(remote.fingerprint).toBe(toGenome(echoContract).fingerprint);
    const genome = await c.$genome();
    expect(genome).toEqual(JSON.parse(JSON.stringify(toGenome(echoContract))));
    expect(await c.$ping()).toBeGreaterThanOrEqual(0);
  });

  it('streams output with backpressure: a slow reader holds the producer to one window', async () => {
    h = await startEcho({ streamWindowBytes: 1024 });
    const c = h.client({ streamWindowBytes: 1024 });
    const before = observed.produced;
    const it = c.count({ to: 100_000 })[Symbol.asyncIterator]();
    expect((await it.next()).value).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    // A small integer costs 2 bytes of credit, so one 1 KiB window lets the producer run ahead by
    // about 512 items, not by the whole 100k.
    expect(observed.produced - before).toBeLessThan(1000);
    await it.return?.();
    await waitFor(() => h!.membrane.inFlight === 0, 5000, 'stream cancelled');
  });

  it('streams input with backpressure: a slow cell holds the caller to one window', async () => {
    h = await startEcho({ streamWindowBytes: 4096 });
    let pulled = 0;
    function* forever() {
      for (;;) {
        pulled++;
        yield 'y'.repeat(100);
      }
    }
    expect(await h.client().hold(forever())).toBe(1);
    // 4 KiB of credit at ~102 bytes per item: about 40 items, never an unbounded pile.
    expect(pulled).toBeLessThan(100);
  });

  it('streams input and output in both directions', async () => {
    h = await startEcho();
    const c = h.client();
    expect(await c.sum([1, 2, 3, 4])).toBe(10);
    async function* words() {
      yield 'a';
      yield 'b';
    }
    const out: string[] = [];
    for await (const w of c.upper(words())) out.push(w);
    expect(out).toEqual(['A', 'B']);
    const counted: number[] = [];
    for await (const n of c.count({ to: 5 })) counted.push(n);
    expect(counted).toEqual([1, 2, 3, 4, 5]);
  });

  it('rejects an invalid stream item with CELL_E_INVALID_INPUT', async () => {
    h = await startEcho();
    // @ts-expect-error items must be numbers
    await expect(h.client().sum([1, 'x'])).rejects.toMatchObject({ code: 'CELL_E_INVALID_INPUT' });
  });

  it('carries events both ways: notify to the cell, events back to callers', async () => {
    h = await startEcho();
    const c = h.client();
    const seen: string[] = [];
    c.$on('noted', (p) => seen.push(p.text));
    await c.$connect();
    await c.note({ text: 'hello' });
    await waitFor(() => seen.length === 1, 5000, 'event');
    expect(seen).toEqual(['hello']);
    expect(observed.notes).toContain('hello');
  });

  it('refuses an oversized input locally and an oversized reply from the cell with CELL_E_FRAME_TOO_LARGE', async () => {
    h = await startEcho({ maxFrameBytes: 64 * 1024 });
    const c = h.client({ maxFrameBytes: 32 * 1024 });
    await expect(c.echo({ text: 'x'.repeat(100_000) })).rejects.toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE' });
    await expect(c.blob({ bytes: 40_000 })).rejects.toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE' });
    expect(await c.echo({ text: 'fine' })).toEqual({ text: 'fine' });
  });

  it('drains on stop: calls in flight finish, new connections go elsewhere', async () => {
    h = await startEcho();
    const c = h.client();
    const inFlight = c.wait({ ms: 150 });
    await waitFor(() => h!.membrane.inFlight === 1, 5000, 'call in flight');
    const stopped = h.membrane.stop({ graceMs: 5000 });
    expect(await inFlight).toEqual({ aborted: false });
    await stopped;
  });

  it('refuses connections over its limit with CELL_E_OVERLOADED, and takes them again once below it', async () => {
    h = await startEcho({ maxConnections: 2 });
    const a = h.client();
    const b = h.client();
    await a.$connect();
    await b.$connect();
    const c = h.client({ connectTimeoutMs: 2000 });
    await expect(c.$connect()).rejects.toMatchObject({ code: 'CELL_E_OVERLOADED' });
    await a.$close();
    await waitFor(() => h!.membrane.connections < 2, 5000, 'a connection to close');
    const d = h.client();
    expect((await d.$connect()).name).toBe('echo');
  });

  it('makes its socket 0600 whatever the umask: no other user may call it', async () => {
    const previous = process.umask(0);
    try {
      h = await startEcho();
    } finally {
      process.umask(previous);
    }
    expect(statSync(h.socketPath).mode & 0o777).toBe(0o600);
  });

  it('takes a deadline beyond what a Node timer can wait (2^32-1 ms on the wire) without expiring it early', async () => {
    h = await startEcho();
    const started = Date.now();
    expect(await h.client().wait({ ms: 50 }, { timeoutMs: 0xffff_ffff })).toEqual({ aborted: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    // A default deadline is an option of connect: one past what a timer can hold is refused there.
    expect(() => h!.client({ timeoutMs: 2 ** 31 })).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});
