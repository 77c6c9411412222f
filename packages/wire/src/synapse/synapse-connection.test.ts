import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CellError, encodeBody, FLAG_STREAM_IN, type Frame, FrameKind } from '@cell/protocol';
import { methodEntry } from '../test-support/fake-host.ts';
import { rawConnectionConfig } from '../test-support/connection-config.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { bodyOf, RawPeer, serverHelloFrame, socketPair, waitUntil } from '../test-support/raw-peer.ts';
import { startTestMembrane, type TestMembrane, unaryMethod } from '../test-support/test-membrane.ts';
import { connectUnix } from '../transport/unix-transport.ts';
import { SynapseConnection, type SynapseConnectionConfig } from './synapse-connection.ts';

const sockets: Socket[] = [];
const membranes: TestMembrane[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(membranes.splice(0).map((m) => m.close()));
});

const config = rawConnectionConfig;

/** A SynapseConnection to a fake membrane that a test drives with raw frames. */
async function rawCell(overrides: Partial<SynapseConnectionConfig> = {}, hello: Record<string, unknown> = {}) {
  const [near, far] = await socketPair();
  sockets.push(near, far);
  const clock = new ManualClock();
  const membrane = new RawPeer(far);
  const events: Array<[string, unknown]> = [];
  const opening = SynapseConnection.open(near, config(clock, { onEvent: (name, payload) => events.push([name, payload]), ...overrides }));
  await membrane.takeKind(FrameKind.HELLO, 0);
  membrane.write(serverHelloFrame(hello));
  const conn = await opening;
  const request = (what = 'a REQUEST') => membrane.take((f) => f.kind === FrameKind.REQUEST, what);
  const reply = (f: Frame, value: unknown) => membrane.send({ kind: FrameKind.RESPONSE, streamId: f.streamId, body: encodeBody(value) });
  return { conn, membrane, clock, events, request, reply };
}

/** Settles a promise into its code (or 'resolved'), for calls expected to fail. */
const codeOf = (p: Promise<unknown>) =>
  p.then(
    () => 'resolved',
    (e: CellError<string>) => e.code,
  );

describe('SynapseConnection: unary calls', () => {
  it('sends a REQUEST with name, deadline, trace and body, and resolves with the RESPONSE', async () => {
    const { conn, request, reply } = await rawCell();
    const result = conn.unary('reserve', { sku: 'mug' }, { timeoutMs: 1500 });
    const f = await request();
    expect(f).toMatchObject({ name: 'reserve', deadlineMs: 1500 });
    expect(f.trace).toHaveLength(16);
    expect(bodyOf(f)).toEqual({ sku: 'mug' });
    reply(f, { left: 3 });
    expect(await result).toEqual({ left: 3 });
    expect(conn.calls).toBe(1);
    expect(conn.inFlight).toBe(0);
  });

  it("carries the caller's trace, as hex or as bytes", async () => {
    const { conn, request, reply } = await rawCell();
    const hex = 'ab'.repeat(16);
    const bytes = Buffer.alloc(16, 7);
    const a = conn.unary('m', 1, { trace: hex });
    const fa = await request();
    const b = conn.unary('m', 2, { traceId: bytes });
    const fb = await request();
    expect(fa.trace?.toString('hex')).toBe(hex);
    expect(fb.trace?.equals(bytes)).toBe(true);
    reply(fa, 'a');
    reply(fb, 'b');
    expect(await Promise.all([a, b])).toEqual(['a', 'b']);
  });

  it('uses the default deadline when the call sets none, and none at all when neither does', async () => {
    const { conn, request } = await rawCell();
    void conn.unary('m', 1, {}, 700).catch(() => undefined);
    void conn.unary('m', 2, {}).catch(() => undefined);
    expect((await request()).deadlineMs).toBe(700);
    expect((await request()).deadlineMs).toBeUndefined();
  });

  it('rejects with the typed error the cell sends', async () => {
    const { conn, membrane, request } = await rawCell();
    const result = conn.unary('reserve', {}).catch((e: unknown) => e);
    const f = await request();
    membrane.send({ kind: FrameKind.ERROR, streamId: f.streamId, body: encodeBody({ code: 'OutOfStock', message: 'none', details: { available: 0 }, declared: true }) });
    expect(await result).toMatchObject({ code: 'OutOfStock', declared: true, details: { available: 0 } });
  });

  it('times out with CELL_E_TIMEOUT at its deadline, tells the cell with CANCEL, and ignores a late reply', async () => {
    const { conn, membrane, clock, request, reply } = await rawCell();
    const result = codeOf(conn.unary('slow', {}, { timeoutMs: 100 }));
    const f = await request();
    clock.advance(100);
    expect(await result).toBe('CELL_E_TIMEOUT');
    await membrane.takeKind(FrameKind.CANCEL, f.streamId);
    reply(f, 'too late');
    const next = conn.unary('m', {});
    reply(await request(), 'next');
    expect(await next).toBe('next'); // the late reply changed nothing
  });

  it('cancels with CELL_E_CANCELLED when the caller aborts, telling the cell', async () => {
    const { conn, membrane, request } = await rawCell();
    const controller = new AbortController();
    const result = codeOf(conn.unary('slow', {}, { signal: controller.signal }));
    const f = await request();
    controller.abort();
    expect(await result).toBe('CELL_E_CANCELLED');
    await membrane.takeKind(FrameKind.CANCEL, f.streamId);
  });

  it("refuses locally, sending nothing, an input beyond the cell's frame limit", async () => {
    const { conn, membrane } = await rawCell({}, { maxFrameBytes: 1024 });
    const error = (await conn.unary('m', 'x'.repeat(4000)).catch((e: unknown) => e)) as CellError<string>;
    expect(error.code).toBe('CELL_E_FRAME_TOO_LARGE');
    expect(error.details).toMatchObject({ maxFrameBytes: 1024 });
    expect(() => conn.notify('note', 'x'.repeat(4000))).toThrow(expect.objectContaining({ code: 'CELL_E_FRAME_TOO_LARGE' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(membrane.frames.filter((f) => f.kind !== FrameKind.HELLO)).toEqual([]);
  });

  it('fails with CELL_E_FRAME_TOO_LARGE a reply beyond its own frame limit, cancels it, and stays usable', async () => {
    const { conn, membrane, request, reply } = await rawCell({ maxFrameBytes: 1024 });
    const big = conn.unary('blob', {}).catch((e: unknown) => e);
    const f = await request();
    reply(f, 'x'.repeat(4000));
    expect(await big).toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE', details: { maxFrameBytes: 1024 } });
    await membrane.takeKind(FrameKind.CANCEL, f.streamId);
    const small = conn.unary('echo', 'hi');
    reply(await request(), 'hi');
    expect(await small).toBe('hi');
    expect(conn.isUsable).toBe(true);
  });

  it('fails only that call with CELL_E_PROTOCOL when a reply body is not msgpack', async () => {
    const { conn, membrane, request, reply } = await rawCell();
    const broken = codeOf(conn.unary('m', {}));
    const f = await request();
    membrane.send({ kind: FrameKind.RESPONSE, streamId: f.streamId, body: Buffer.from([0x92, 0x01]) });
    expect(await broken).toBe('CELL_E_PROTOCOL');
    const fine = conn.unary('m', {});
    reply(await request(), 1);
    expect(await fine).toBe(1);
  });

  it('measures round trips when asked to (for the racer)', async () => {
    const { conn, clock, request, reply } = await rawCell({ trackLatency: true });
    clock.advance(1); // monotonic time 0 would read as "not measured"
    const result = conn.unary('m', {});
    const f = await request();
    clock.advance(40);
    reply(f, null);
    await result;
    expect(conn.latency?.ms).toBe(40);
  });

  it('fetches the genome with the built-in $genome method', async () => {
    const { conn, request, reply } = await rawCell();
    const genome = conn.genome(1000);
    const f = await request();
    expect(f.name).toBe('$genome');
    reply(f, { genome: 1, name: 'raw' });
    expect(await genome).toEqual({ genome: 1, name: 'raw' });
  });
});

describe('SynapseConnection: notify, ping, events', () => {
  it('sends a notification as an EVENT on stream 0, with a trace', async () => {
    const { conn, membrane } = await rawCell();
    conn.notify('note', { text: 'hi' });
    const f = await membrane.takeKind(FrameKind.EVENT, 0);
    expect(f.name).toBe('note');
    expect(f.trace).toHaveLength(16);
    expect(bodyOf(f)).toEqual({ text: 'hi' });
  });

  it('measures a PING round trip on the clock it was given', async () => {
    const { conn, membrane, clock } = await rawCell();
    const rtt = conn.ping(1000);
    const f = await membrane.takeKind(FrameKind.PING);
    clock.advance(5);
    membrane.send({ kind: FrameKind.PONG, streamId: f.streamId });
    expect(await rtt).toBe(5);
  });

  it("answers the cell's PING with a PONG carrying the same id and body", async () => {
    const { membrane } = await rawCell();
    membrane.send({ kind: FrameKind.PING, streamId: 77, body: encodeBody('probe') });
    const pong = await membrane.takeKind(FrameKind.PONG, 77);
    expect(bodyOf(pong)).toBe('probe');
  });

  it("hands the cell's events to its owner", async () => {
    const { membrane, events } = await rawCell();
    membrane.send({ kind: FrameKind.EVENT, streamId: 0, name: 'low', body: encodeBody({ sku: 'mug' }) });
    await waitUntil(() => events.length === 1, 'the event');
    expect(events).toEqual([['low', { sku: 'mug' }]]);
  });
});

describe('SynapseConnection: streams', () => {
  it('reads an output stream, returning credit as items are taken', async () => {
    const { conn, membrane, request } = await rawCell({ windowBytes: 1024 });
    const { inbox } = conn.stream('count', { to: 3 }, undefined, true, {}, undefined);
    const f = await request();
    expect(f.flags & FLAG_STREAM_IN).toBe(0);
    expect(f.deadlineMs).toBeUndefined(); // streams with output have no default deadline
    expect(bodyOf(f)).toEqual({ to: 3 });
    const item = 'x'.repeat(300); // 303 bytes of msgpack: two make more than half a window
    for (let i = 0; i < 3; i++) membrane.send({ kind: FrameKind.STREAM_DATA, streamId: f.streamId, body: encodeBody(item) });
    const reader = inbox![Symbol.asyncIterator]();
    expect((await reader.next()).value).toBe(item);
    expect((await reader.next()).value).toBe(item);
    const credit = await membrane.takeKind(FrameKind.CREDIT, f.streamId);
    expect(bodyOf(credit)).toBe(2 * (encodeBody(item)!.length + 1));
    membrane.send({ kind: FrameKind.STREAM_END, streamId: f.streamId });
    expect((await reader.next()).value).toBe(item);
    expect((await reader.next()).done).toBe(true);
  });

  it('cancels an output stream its reader stops early', async () => {
    const { conn, membrane, request } = await rawCell();
    const { inbox } = conn.stream('count', {}, undefined, true, {}, undefined);
    const f = await request();
    membrane.send({ kind: FrameKind.STREAM_DATA, streamId: f.streamId, body: encodeBody(1) });
    for await (const v of inbox!) {
      expect(v).toBe(1);
      break;
    }
    await membrane.takeKind(FrameKind.CANCEL, f.streamId);
    expect(conn.inFlight).toBe(0);
  });

  it("sends an input stream within the cell's window, and resolves with the reply", async () => {
    const { conn, membrane, request, reply } = await rawCell({}, { windowBytes: 1024 });
    const items = Array.from({ length: 6 }, (_, i) => `${i}`.repeat(400));
    const { reply: result } = conn.stream('sum', undefined, items, false, {}, 5000);
    const f = await request();
    expect(f.flags & FLAG_STREAM_IN).toBe(FLAG_STREAM_IN);
    expect(f.body).toBeUndefined();
    await membrane.until(() => (membrane.frames.filter((x) => x.kind === FrameKind.STREAM_DATA).length === 3 ? true : undefined), 'three items');
    await new Promise((r) => setTimeout(r, 30));
    expect(membrane.frames.filter((x) => x.kind === FrameKind.STREAM_DATA)).toHaveLength(3); // 3 x 403 bytes overdraw 1024: the rest waits
    membrane.send({ kind: FrameKind.CREDIT, streamId: f.streamId, body: encodeBody(10_000) });
    await membrane.takeKind(FrameKind.STREAM_END, f.streamId);
    const sent = membrane.frames.filter((x) => x.kind === FrameKind.STREAM_DATA).map(bodyOf);
    expect(sent).toEqual(items);
    reply(f, 6);
    expect(await result).toBe(6);
  });
});

describe('SynapseConnection: draining and closing', () => {
  it('takes no new calls after GOAWAY, finishes those in flight, then ends the connection', async () => {
    const { conn, membrane, request, reply } = await rawCell();
    const inFlight = conn.unary('slow', {});
    const f = await request();
    membrane.send({ kind: FrameKind.GOAWAY, streamId: 0 });
    await waitUntil(() => !conn.isUsable, 'the GOAWAY');
    expect(conn.isOpen).toBe(true);
    reply(f, 'done');
    expect(await inFlight).toBe('done');
    await membrane.closed();
    expect(conn.isOpen).toBe(false);
  });

  it('ends at once on GOAWAY with nothing in flight', async () => {
    const { conn, membrane } = await rawCell();
    membrane.send({ kind: FrameKind.GOAWAY, streamId: 0 });
    await membrane.closed();
    expect(conn.isOpen).toBe(false);
  });

  it('fails calls in flight with the reason it was closed with, and tells its listeners', async () => {
    const { conn, request } = await rawCell();
    const result = conn.unary('m', {}).catch((e: unknown) => e);
    await request();
    let told = 0;
    conn.onceClosed(() => told++);
    const reason = new CellError('CELL_E_CLOSED', 'this synapse was closed');
    conn.close(reason);
    expect(await result).toBe(reason);
    expect(told).toBe(1);
    conn.onceClosed(() => told++); // already closed: told at once
    expect(told).toBe(2);
  });

  it('fails calls in flight with CELL_E_UNAVAILABLE (lost in flight) when the cell goes away', async () => {
    const { conn, membrane, request } = await rawCell();
    const result = conn.unary('m', {}).catch((e: unknown) => e);
    await request();
    membrane.destroy();
    expect(await result).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { lostInFlight: true, replica: 'raw-0' } });
  });

  it('drops the connection on an ERROR for stream 0, failing calls in flight with its cause', async () => {
    const { conn, membrane, request } = await rawCell();
    const result = conn.unary('m', {}).catch((e: unknown) => e);
    await request();
    membrane.send({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody({ code: 'CELL_E_OVERLOADED', message: 'bye' }) });
    const error = (await result) as CellError<string>;
    expect(error.code).toBe('CELL_E_UNAVAILABLE');
    expect((error.cause as CellError<string>).code).toBe('CELL_E_OVERLOADED');
    await membrane.closed();
  });
});

describe('SynapseConnection: a cell that breaks the protocol', () => {
  /** Expects the connection to be closed with CELL_E_PROTOCOL: told on stream 0, calls in flight failed with it as the cause. */
  async function expectProtocolClose(cell: Awaited<ReturnType<typeof rawCell>>, pending: Promise<unknown>) {
    expect((await cell.membrane.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await cell.membrane.closed();
    const error = (await pending) as CellError<string>;
    expect(error.code).toBe('CELL_E_UNAVAILABLE');
    expect((error.cause as CellError<string>).code).toBe('CELL_E_PROTOCOL');
  }

  it('closes with CELL_E_PROTOCOL on garbage bytes', async () => {
    const cell = await rawCell();
    const pending = cell.conn.unary('m', {}).catch((e: unknown) => e);
    await cell.request();
    cell.membrane.write(Buffer.from([0, 0, 0, 6, 0xee, 0, 0, 0, 0, 0]));
    await expectProtocolClose(cell, pending);
  });

  it('closes with CELL_E_PROTOCOL on frame kinds a cell may not send', async () => {
    for (const kind of [FrameKind.REQUEST, FrameKind.CANCEL, FrameKind.HELLO]) {
      const cell = await rawCell();
      const pending = cell.conn.unary('m', {}).catch((e: unknown) => e);
      await cell.request();
      cell.membrane.send({ kind, streamId: 1, name: 'x' });
      await expectProtocolClose(cell, pending);
    }
  });

  it('closes with CELL_E_PROTOCOL on a CREDIT that is not a positive 32-bit integer', async () => {
    for (const credit of [0, -1, 1.5, 'lots', 2 ** 32]) {
      const cell = await rawCell();
      const pending = cell.conn.unary('m', {}).catch((e: unknown) => e);
      const f = await cell.request();
      cell.membrane.send({ kind: FrameKind.CREDIT, streamId: f.streamId, body: encodeBody(credit) });
      await expectProtocolClose(cell, pending);
    }
  });

  it('closes with CELL_E_PROTOCOL on stream data beyond the credit it was given', async () => {
    const cell = await rawCell({ windowBytes: 1024, maxFrameBytes: 1024 });
    const { inbox } = cell.conn.stream('count', {}, undefined, true, {}, undefined);
    const f = await cell.request();
    // Nobody reads: one window plus one frame is all the cell may send.
    for (let i = 0; i < 6; i++) cell.membrane.send({ kind: FrameKind.STREAM_DATA, streamId: f.streamId, body: encodeBody('y'.repeat(500)) });
    expect((await cell.membrane.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await expect(
      (async () => {
        for await (const _ of inbox!) void _;
      })(),
    ).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
  });

  it('closes with CELL_E_PROTOCOL on an event whose body is not msgpack', async () => {
    const cell = await rawCell();
    const pending = cell.conn.unary('m', {}).catch((e: unknown) => e);
    await cell.request();
    cell.membrane.send({ kind: FrameKind.EVENT, streamId: 0, name: 'low', body: Buffer.from([0x92, 0x01]) });
    await expectProtocolClose(cell, pending);
    expect(cell.events).toEqual([]);
  });
});

describe('SynapseConnection against a real membrane', () => {
  it('calls unary and stream methods of every shape', async () => {
    const membrane = await startTestMembrane([
      unaryMethod('echo', (input) => input),
      methodEntry('count', 'serverStream', function* (input) {
        for (let i = 1; i <= (input as { to: number }).to; i++) yield i;
      }),
      methodEntry('sum', 'clientStream', async (input) => {
        let total = 0;
        for await (const n of input as AsyncIterable<number>) total += n;
        return total;
      }),
      methodEntry('upper', 'duplex', async function* (input) {
        for await (const w of input as AsyncIterable<string>) yield w.toUpperCase();
      }),
    ]);
    membranes.push(membrane);
    const socket = await connectUnix(membrane.socketPath, 5000);
    sockets.push(socket);
    const conn = await SynapseConnection.open(socket, config(undefined, { target: 'test' }));
    expect(conn.remote).toMatchObject({ name: 'test', version: '1.0.0', fingerprint: 'sha256:test', replica: 'test-0', pid: process.pid });
    expect(await conn.unary('echo', { a: [1, 'b'] }, {}, 5000)).toEqual({ a: [1, 'b'] });
    await expect(conn.unary('nope', {}, {}, 5000)).rejects.toMatchObject({ code: 'CELL_E_UNKNOWN_METHOD' });
    const counted: unknown[] = [];
    for await (const n of conn.stream('count', { to: 4 }, undefined, true, {}, undefined).inbox!) counted.push(n);
    expect(counted).toEqual([1, 2, 3, 4]);
    expect(await conn.stream('sum', undefined, [1, 2, 3], false, {}, 5000).reply).toBe(6);
    const upper: unknown[] = [];
    for await (const w of conn.stream('upper', undefined, ['a', 'b'], true, {}, undefined).inbox!) upper.push(w);
    expect(upper).toEqual(['A', 'B']);
    expect(await conn.genome(5000)).toMatchObject({ name: 'test' });
    expect(await conn.ping(5000)).toBeGreaterThanOrEqual(0);
  });
});
