import { afterEach, describe, expect, it } from 'vitest';
import { CellError, encodeBody, FLAG_STREAM_IN, FrameKind, type FrameParts } from '@cell/protocol';
import { type CallContextLike, fakeHost, type FakeHost, methodEntry, rawSession, validator } from '../test-support/fake-host.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { recordingLogger } from '../test-support/recording-logger.ts';
import { bodyOf, clientHelloFrame, waitUntil } from '../test-support/raw-peer.ts';
import type { MembraneLimits } from './session-host.ts';
import type { MethodEntry } from './method-entry.ts';

// The dispatcher is driven the way it runs: by a real MembraneSession on a real socket, with raw
// frames from a fake caller.

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function deferred<T = unknown>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A handler that records its calls and waits until the test settles each of them. */
function parked(name = 'park') {
  const calls: Array<{ input: unknown; ctx: CallContextLike; settle: ReturnType<typeof deferred> }> = [];
  const entry = methodEntry(name, 'unary', (input, ctx) => {
    const settle = deferred();
    calls.push({ input, ctx, settle });
    return settle.promise;
  });
  return { entry, calls };
}

const isNumber = validator((v) => typeof v === 'number', [{ path: '/', message: 'must be number' }]);

async function caller(methods: MethodEntry[], options: { limits?: Partial<MembraneLimits>; hello?: Record<string, unknown>; log?: ReturnType<typeof recordingLogger> } = {}) {
  const clock = new ManualClock();
  const host: FakeHost = fakeHost(methods, { clock, limits: options.limits, log: options.log });
  const s = await rawSession(host);
  cleanups.push(s.close);
  s.peer.write(clientHelloFrame(options.hello));
  await s.peer.takeKind(FrameKind.HELLO, 0);
  const request = (streamId: number, name: string, input?: unknown, extra: Partial<FrameParts> = {}) =>
    s.peer.send({ kind: FrameKind.REQUEST, streamId, name, body: encodeBody(input), ...extra });
  const response = async (streamId: number) => bodyOf(await s.peer.takeKind(FrameKind.RESPONSE, streamId));
  return { ...s, host, clock, request, response };
}

describe('CallDispatcher: requests', () => {
  it('runs the handler with the input, its context and trace, and sends its result', async () => {
    const echo = methodEntry('echo', 'unary', (input, ctx) => ({ input, method: ctx.call.method, deadline: ctx.call.deadline, trace: ctx.trace.toString('hex') }));
    const { request, response, clock, host } = await caller([echo]);
    const trace = Buffer.alloc(16, 0xab);
    request(1, 'echo', { a: 1 }, { deadlineMs: 2500, trace });
    expect(await response(1)).toEqual({ input: { a: 1 }, method: 'echo', deadline: clock.now() + 2500, trace: 'ab'.repeat(16) });
    request(2, 'echo', 'no deadline');
    const second = (await response(2)) as { deadline: unknown; trace: string };
    expect(second.deadline).toBe(Infinity); // no deadline
    expect(second.trace).toMatch(/^[0-9a-f]{32}$/); // a fresh trace when the caller sends none
    expect([host.started, host.ended]).toEqual([2, 2]);
  });

  it('answers $genome with the genome, without any handler', async () => {
    const { request, response, host } = await caller([]);
    request(1, '$genome');
    expect(await response(1)).toEqual(host.genome);
  });

  it('answers an unknown method with CELL_E_UNKNOWN_METHOD naming it', async () => {
    const { peer, request } = await caller([]);
    request(1, 'nope', {});
    expect(await peer.takeError(1)).toMatchObject({ code: 'CELL_E_UNKNOWN_METHOD', details: { method: 'nope' } });
  });

  it('refuses invalid input with CELL_E_INVALID_INPUT, never running the handler', async () => {
    let ran = 0;
    const add = methodEntry('add', 'unary', () => ran++, { input: validator(() => false, [{ path: '/a', message: 'must be number' }, { path: '/b', message: 'required' }]) });
    const { peer, request } = await caller([add]);
    request(1, 'add', { a: 'x' });
    expect(await peer.takeError(1)).toMatchObject({ code: 'CELL_E_INVALID_INPUT', details: { errors: [{ path: '/a' }, { path: '/b' }] } });
    expect(ran).toBe(0);
  });

  it('fails only the call whose body is not msgpack, or whose stream flag does not fit the method', async () => {
    const echo = methodEntry('echo', 'unary', (input) => input);
    const sum = methodEntry('sum', 'clientStream', () => 0);
    const { peer, request, response } = await caller([echo, sum]);
    peer.send({ kind: FrameKind.REQUEST, streamId: 1, name: 'echo', body: Buffer.from([0x92, 0x01]) });
    expect((await peer.takeError(1)).code).toBe('CELL_E_PROTOCOL');
    request(2, 'echo', 1, { flags: FLAG_STREAM_IN });
    expect((await peer.takeError(2)).code).toBe('CELL_E_PROTOCOL');
    request(3, 'sum', 1);
    expect((await peer.takeError(3)).code).toBe('CELL_E_PROTOCOL');
    request(4, 'echo', 'still here');
    expect(await response(4)).toBe('still here');
  });

  it('closes the connection with CELL_E_PROTOCOL when a stream id in use is reused', async () => {
    const p = parked();
    const { peer, request } = await caller([p.entry]);
    request(1, 'park', 'first');
    await waitUntil(() => p.calls.length === 1, 'the first call');
    request(1, 'park', 'again');
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
    expect(p.calls).toHaveLength(1);
  });

  it('closes the connection with CELL_E_PROTOCOL on a REQUEST on stream 0 (the connection\'s own), never running it', async () => {
    const p = parked();
    const { peer, request } = await caller([p.entry]);
    request(0, 'park', 'zero');
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
    expect(p.calls).toHaveLength(0);
  });

  it('answers CELL_E_OVERLOADED beyond its calls in flight per connection, and takes calls again below it', async () => {
    const p = parked();
    const { peer, request, response } = await caller([p.entry], { limits: { maxInFlightPerConnection: 2 } });
    request(1, 'park', 1);
    request(2, 'park', 2);
    request(3, 'park', 3);
    expect((await peer.takeError(3)).code).toBe('CELL_E_OVERLOADED');
    expect(p.calls).toHaveLength(2);
    p.calls[0]!.settle.resolve('one');
    expect(await response(1)).toBe('one');
    request(4, 'park', 4);
    await waitUntil(() => p.calls.length === 3, 'the call taken below the limit');
  });

  it('refuses a call whose deadline is already 0 with CELL_E_TIMEOUT, never running it', async () => {
    const p = parked();
    const { peer, request } = await caller([p.entry]);
    request(1, 'park', {}, { deadlineMs: 0 });
    expect((await peer.takeError(1)).code).toBe('CELL_E_TIMEOUT');
    expect(p.calls).toHaveLength(0);
  });

  it("aborts the handler's signal when the deadline passes, and sends nothing (the caller timed out itself)", async () => {
    const p = parked();
    const { peer, request, clock, host } = await caller([p.entry]);
    request(1, 'park', {}, { deadlineMs: 300 });
    request(2, 'park', {}, { deadlineMs: 900 });
    await waitUntil(() => p.calls.length === 2, 'both calls');
    const [first, second] = p.calls.map((c) => c.ctx.call.signal);
    clock.advance(299);
    expect(first!.aborted).toBe(false);
    clock.advance(1);
    expect((first!.reason as CellError<string>).code).toBe('CELL_E_TIMEOUT');
    expect(second!.aborted).toBe(false);
    clock.advance(600);
    expect(second!.aborted).toBe(true);
    p.calls[0]!.settle.resolve('late');
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.frames.filter((f) => f.streamId === 1 || f.streamId === 2)).toEqual([]);
    expect(host.ended).toBe(2);
  });

  it("aborts the handler's signal on CANCEL, and never answers the cancelled call", async () => {
    const p = parked();
    const { peer, request, response } = await caller([p.entry]);
    request(1, 'park', {});
    await waitUntil(() => p.calls.length === 1, 'the call');
    peer.send({ kind: FrameKind.CANCEL, streamId: 1 });
    const signal = p.calls[0]!.ctx.call.signal;
    await waitUntil(() => signal.aborted, 'the signal');
    expect((signal.reason as CellError<string>).code).toBe('CELL_E_CANCELLED');
    p.calls[0]!.settle.resolve('late');
    request(2, 'park', {});
    await waitUntil(() => p.calls.length === 2, 'the next call');
    p.calls[1]!.settle.resolve('next');
    expect(await response(2)).toBe('next'); // frames are in order: nothing came for stream 1 before it
    expect(peer.frames.filter((f) => f.streamId === 1)).toEqual([]);
  });
});

describe('CallDispatcher: outcomes', () => {
  it('sends what a handler throws as CELL_E_INTERNAL, and its declared errors as they are', async () => {
    const declared = { Sold: validator((v) => typeof v === 'object') };
    const sync = methodEntry('sync', 'unary', () => {
      throw new Error('boom');
    });
    const rejects = methodEntry('rejects', 'unary', () => Promise.reject(new Error('later')));
    const fails = methodEntry('fails', 'unary', () => Promise.reject(new CellError<'Sold'>('Sold', 'sold out', { details: { n: 0 }, declared: true })), { errors: declared });
    const { peer, request } = await caller([sync, rejects, fails]);
    request(1, 'sync', {});
    request(2, 'rejects', {});
    request(3, 'fails', {});
    expect((await peer.takeError(1)).code).toBe('CELL_E_INTERNAL');
    expect((await peer.takeError(2)).code).toBe('CELL_E_INTERNAL');
    expect(await peer.takeError(3)).toMatchObject({ code: 'Sold', declared: true, details: { n: 0 } });
  });

  it('refuses output that breaks the schema with CELL_E_INTERNAL', async () => {
    const bad = methodEntry('bad', 'unary', () => 'not a number', { output: isNumber });
    const { peer, request } = await caller([bad]);
    request(1, 'bad', {});
    expect(await peer.takeError(1)).toMatchObject({ code: 'CELL_E_INTERNAL', details: { errors: [{ path: '/' }] } });
  });

  it("refuses a reply beyond the caller's frame limit with CELL_E_FRAME_TOO_LARGE", async () => {
    const blob = methodEntry('blob', 'unary', () => 'x'.repeat(5000));
    const { peer, request } = await caller([blob], { hello: { maxFrameBytes: 1024 } });
    request(1, 'blob', {});
    expect(await peer.takeError(1)).toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE', details: { maxFrameBytes: 1024 } });
  });
});

describe('CallDispatcher: notifications', () => {
  it('runs a notify handler and never answers; drops invalid or misdirected notifications', async () => {
    const notes: unknown[] = [];
    const log = recordingLogger();
    const note = methodEntry('note', 'notify', (input) => void notes.push(input), { input: validator((v) => typeof v === 'string') });
    const crash = methodEntry('crash', 'notify', () => {
      throw new Error('boom');
    });
    const echo = methodEntry('echo', 'unary', (input) => input);
    const { peer, request, response } = await caller([note, crash, echo], { log });
    const event = (name: string, body: unknown) => peer.send({ kind: FrameKind.EVENT, streamId: 0, name, body: encodeBody(body) });
    event('note', 'hello');
    event('note', 42); // invalid input
    event('echo', 'x'); // not a notify method
    event('nope', 'x');
    event('crash', 'x');
    request(1, 'echo', 'after');
    expect(await response(1)).toBe('after');
    expect(notes).toEqual(['hello']);
    expect(log.lines.filter((l) => l.msg === 'dropped an invalid notification').map((l) => l.fields['method'])).toEqual(['note', 'echo', 'nope']);
    expect(log.lines.some((l) => l.level === 'error' && l.fields['method'] === 'crash')).toBe(true);
    expect(peer.frames.filter((f) => f.kind !== FrameKind.HELLO)).toEqual([]);
  });
});

describe('CallDispatcher: streams', () => {
  it('feeds a client stream, checks each item, grants credit as the handler reads, and replies', async () => {
    const sum = methodEntry(
      'sum',
      'clientStream',
      async (input) => {
        let total = 0;
        for await (const n of input as AsyncIterable<number>) total += n;
        return total;
      },
      { input: isNumber },
    );
    const { peer, request, response } = await caller([sum], { limits: { streamWindowBytes: 1024 } });
    request(1, 'sum', undefined, { flags: FLAG_STREAM_IN });
    const item = (n: number) => peer.send({ kind: FrameKind.STREAM_DATA, streamId: 1, body: encodeBody(n) });
    for (let i = 0; i < 200; i++) item(1_000_000 + i); // 5 bytes of msgpack + 1 each: credit comes back every 512
    await peer.takeKind(FrameKind.CREDIT, 1);
    peer.send({ kind: FrameKind.STREAM_END, streamId: 1 });
    expect(await response(1)).toBe(200 * 1_000_000 + (199 * 200) / 2);

    request(2, 'sum', undefined, { flags: FLAG_STREAM_IN });
    peer.send({ kind: FrameKind.STREAM_DATA, streamId: 2, body: encodeBody('not a number') });
    expect((await peer.takeError(2)).code).toBe('CELL_E_INVALID_INPUT');
  });

  it('closes the connection with CELL_E_PROTOCOL when the caller streams beyond its credit', async () => {
    const stall = methodEntry('stall', 'clientStream', () => new Promise(() => undefined));
    const { peer, request } = await caller([stall], { limits: { streamWindowBytes: 1024, maxFrameBytes: 1024 } });
    request(1, 'stall', undefined, { flags: FLAG_STREAM_IN });
    for (let i = 0; i < 6; i++) peer.send({ kind: FrameKind.STREAM_DATA, streamId: 1, body: encodeBody('y'.repeat(500)) });
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
  });

  it("sends a server stream within the caller's window, going on as it grants credit", async () => {
    const count = methodEntry('count', 'serverStream', function* (input) {
      for (let i = 0; i < (input as number); i++) yield 'z'.repeat(300);
    });
    const { peer, request } = await caller([count], { hello: { windowBytes: 1024 } });
    request(1, 'count', 10);
    const items = () => peer.frames.filter((f) => f.kind === FrameKind.STREAM_DATA).length;
    await peer.until(() => (items() === 4 ? true : undefined), 'a window of items');
    await new Promise((r) => setTimeout(r, 30));
    expect(items()).toBe(4); // 4 x 303 bytes overdraw 1024: the fifth waits for credit
    peer.send({ kind: FrameKind.CREDIT, streamId: 1, body: encodeBody(100_000) });
    await peer.takeKind(FrameKind.STREAM_END, 1);
    expect(items()).toBe(10);
  });

  it('closes the connection with CELL_E_PROTOCOL on a CREDIT that is not a positive integer', async () => {
    const count = methodEntry('count', 'serverStream', function* () {
      yield 'x'.repeat(2000);
      yield 'never';
    });
    const { peer, request } = await caller([count], { hello: { windowBytes: 1024 } });
    request(1, 'count', 1);
    await peer.takeKind(FrameKind.STREAM_DATA, 1);
    peer.send({ kind: FrameKind.CREDIT, streamId: 1, body: encodeBody(-5) });
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
  });
});
