import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { CellError, encodeBody, FLAG_EARLY, FLAG_STREAM_IN, FrameKind } from '@cell/protocol';
import { type CallContextLike, fakeHost, type FakeHost, methodEntry, rawSession, validator } from '../test-support/fake-host.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { bodyOf, clientHelloFrame, waitUntil } from '../test-support/raw-peer.ts';
import { peerIdFromKey } from '../transport/peer-key.ts';
import type { RemotePeer } from './membrane-session.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A handler that waits until the test releases it, and shows the context it got. */
function parked() {
  const seen: CallContextLike[] = [];
  let release!: (value: unknown) => void;
  const released = new Promise((r) => (release = r));
  const entry = methodEntry('park', 'unary', (_input, ctx) => {
    seen.push(ctx);
    return released;
  });
  return { entry, seen, release };
}

async function open(host: FakeHost, remote?: RemotePeer) {
  const s = await rawSession(host, remote);
  cleanups.push(s.close);
  return s;
}

/** A session that has completed its handshake. */
async function greeted(host: FakeHost, hello: Record<string, unknown> = {}) {
  const s = await open(host);
  s.peer.write(clientHelloFrame(hello));
  const reply = bodyOf(await s.peer.takeKind(FrameKind.HELLO, 0));
  return { ...s, reply };
}

function remotePeer(): RemotePeer {
  const spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  return { key: Buffer.from(spki.subarray(spki.length - 32)), address: '10.0.0.2:40000', localAddress: '10.0.0.1:7700' };
}

describe('MembraneSession: handshake', () => {
  it('answers HELLO with who it is and its limits, and remembers the caller', async () => {
    const clock = new ManualClock();
    const host = fakeHost([], { clock, limits: { maxFrameBytes: 65_536, streamWindowBytes: 8192 } });
    const { session, reply } = await greeted(host, { cell: 'shop', replica: 'shop-1', fingerprint: 'sha256:x', target: 'fake', maxFrameBytes: 2048, windowBytes: 4096 });
    expect(reply).toEqual({ v: 1, role: 'server', name: 'fake', version: '1.2.3', fingerprint: 'sha256:fake', replica: 'fake-0', pid: process.pid, maxFrameBytes: 65_536, windowBytes: 8192, spans: true, early: true });
    expect(session.caller).toEqual({ cell: 'shop', replica: 'shop-1', fingerprint: 'sha256:x' });
    expect(session.peerMaxFrameBytes).toBe(2048);
    expect(session.peerWindowBytes).toBe(4096);
    expect(clock.pending).toBe(0); // the handshake timer is gone
    expect(host.asked).toEqual([]); // a local caller is never checked against the allow list
  });

  it('closes with CELL_E_PROTOCOL a connection that says nothing within the handshake timeout', async () => {
    const clock = new ManualClock();
    const host = fakeHost([], { clock, limits: { handshakeTimeoutMs: 2000 } });
    const { peer } = await open(host);
    clock.advance(1999);
    await new Promise((r) => setTimeout(r, 20));
    expect(peer.frames).toEqual([]);
    clock.advance(1);
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
    await waitUntil(() => host.sessionsClosed === 1, 'the session to report its close');
  });

  it('closes with CELL_E_PROTOCOL a connection that sends anything before HELLO, running nothing', async () => {
    let ran = 0;
    const host = fakeHost([methodEntry('m', 'unary', () => ran++)], { clock: new ManualClock() });
    const { peer } = await open(host);
    peer.send({ kind: FrameKind.REQUEST, streamId: 1, name: 'm', body: encodeBody({}) });
    peer.write(clientHelloFrame());
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
    expect(peer.frames.filter((f) => f.kind === FrameKind.HELLO)).toEqual([]);
    expect(ran).toBe(0);
  });

  it('closes with CELL_E_PROTOCOL on a malformed HELLO or an oversized frame before it', async () => {
    for (const bytes of [clientHelloFrame({ role: 'server' }), clientHelloFrame({ windowBytes: 'big' })]) {
      const { peer } = await open(fakeHost([], { clock: new ManualClock() }));
      peer.write(bytes);
      expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
      await peer.closed();
    }
    const { peer } = await open(fakeHost([], { clock: new ManualClock(), limits: { maxFrameBytes: 1024 } }));
    peer.write(clientHelloFrame({ padding: 'x'.repeat(5000) }));
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
  });

  it('refuses a node whose key is not allowed with CELL_E_DENIED, naming the node', async () => {
    const remote = remotePeer();
    let ran = 0;
    const host = fakeHost([methodEntry('m', 'unary', () => ran++)], { clock: new ManualClock(), allow: () => false });
    const { peer } = await open(host, remote);
    peer.write(clientHelloFrame({ cell: 'shop' }));
    peer.send({ kind: FrameKind.REQUEST, streamId: 1, name: 'm', body: encodeBody({}) });
    const error = await peer.takeError(0);
    expect(error.code).toBe('CELL_E_DENIED');
    expect(error.details).toEqual({ node: peerIdFromKey(remote.key) });
    await peer.closed();
    expect(peer.frames.filter((f) => f.kind === FrameKind.HELLO)).toEqual([]);
    expect(host.asked.map((k) => k.equals(remote.key))).toEqual([true]);
    expect(ran).toBe(0);
  });

  it('tells handlers which node called when its key is allowed', async () => {
    const remote = remotePeer();
    const host = fakeHost([], { clock: new ManualClock(), allow: (key) => key.equals(remote.key) });
    const { session, peer } = await open(host, remote);
    peer.write(clientHelloFrame({ cell: 'shop' }));
    await peer.takeKind(FrameKind.HELLO, 0);
    expect(session.caller).toEqual({ cell: 'shop', node: peerIdFromKey(remote.key), address: '10.0.0.2:40000', localAddress: '10.0.0.1:7700' });
  });
});

describe('MembraneSession: calls sent with the handshake (FLAG_EARLY)', () => {
  it('runs them when the caller was built against its genome, or names none', async () => {
    for (const fingerprint of ['sha256:fake', undefined]) {
      let ran = 0;
      const host = fakeHost([methodEntry('m', 'unary', () => ++ran)], { clock: new ManualClock() });
      const { peer } = await open(host);
      peer.write(clientHelloFrame({ fingerprint, target: 'fake' }));
      peer.send({ kind: FrameKind.REQUEST, streamId: 1, flags: FLAG_EARLY, name: 'm', body: encodeBody({}) });
      expect(bodyOf(await peer.takeKind(FrameKind.RESPONSE, 1))).toBe(1);
      expect(ran).toBe(1);
    }
  });

  it('refuses them, running nothing, when the caller was built against another genome or means another cell; later calls run', async () => {
    for (const hello of [{ fingerprint: 'sha256:older', target: 'fake' }, { target: 'other' }]) {
      let ran = 0;
      const host = fakeHost([methodEntry('m', 'unary', () => ++ran), methodEntry('n', 'notify', () => ++ran)], { clock: new ManualClock() });
      const { peer } = await open(host);
      peer.write(clientHelloFrame(hello));
      peer.send({ kind: FrameKind.REQUEST, streamId: 1, flags: FLAG_EARLY, name: 'm', body: encodeBody({}) });
      peer.send({ kind: FrameKind.EVENT, streamId: 0, flags: FLAG_EARLY, name: 'n', body: encodeBody({}) });
      const error = await peer.takeError(1);
      expect(error).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { early: true } });
      expect(error.message).toContain('not run');
      expect(ran).toBe(0);
      // After the HELLO, the caller checked the genome: a call without the flag runs.
      peer.send({ kind: FrameKind.REQUEST, streamId: 3, name: 'm', body: encodeBody({}) });
      expect(bodyOf(await peer.takeKind(FrameKind.RESPONSE, 3))).toBe(1);
    }
  });
});

describe('MembraneSession: after the handshake', () => {
  it('answers PING with PONG, ignores PONG and GOAWAY, and closes on a frame only cells send', async () => {
    const { peer } = await greeted(fakeHost([], { clock: new ManualClock() }));
    peer.send({ kind: FrameKind.PONG, streamId: 3 });
    peer.send({ kind: FrameKind.GOAWAY, streamId: 0 });
    peer.send({ kind: FrameKind.PING, streamId: 8, body: encodeBody('probe') });
    expect(bodyOf(await peer.takeKind(FrameKind.PONG, 8))).toBe('probe');
    peer.send({ kind: FrameKind.RESPONSE, streamId: 1, body: encodeBody(1) });
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
  });

  it('sends events only to a caller that completed its handshake, checked against the contract', async () => {
    const host = fakeHost([], { clock: new ManualClock(), events: { low: validator((v) => typeof v === 'object', [{ path: '/', message: 'must be object' }]) } });
    const early = await open(host);
    early.session.emit('low', { sku: 'a' });
    const s = await greeted(host);
    s.session.emitChecked('low', { sku: 'mug' });
    const f = await s.peer.takeKind(FrameKind.EVENT, 0);
    expect(f.name).toBe('low');
    expect(bodyOf(f)).toEqual({ sku: 'mug' });
    expect(() => s.session.emitChecked('nope', {})).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(() => s.session.emitChecked('low', 5)).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT', details: { errors: [{ path: '/', message: 'must be object' }] } }));
    await new Promise((r) => setTimeout(r, 20));
    expect(early.peer.frames).toEqual([]);
  });

  it('drains on GOAWAY: calls in flight finish, then the connection ends', async () => {
    const p = parked();
    const host = fakeHost([p.entry], { clock: new ManualClock() });
    const { session, peer } = await greeted(host);
    peer.send({ kind: FrameKind.REQUEST, streamId: 1, name: 'park', body: encodeBody({}) });
    await waitUntil(() => p.seen.length === 1, 'the handler');
    session.goAway();
    await peer.takeKind(FrameKind.GOAWAY, 0);
    expect(peer.isClosed).toBe(false);
    p.release('done');
    expect(bodyOf(await peer.takeKind(FrameKind.RESPONSE, 1))).toBe('done');
    await peer.closed();
    expect(host.started).toBe(1);
    expect(host.ended).toBe(1);
  });

  it('ends at once on GOAWAY with nothing in flight', async () => {
    const { session, peer } = await greeted(fakeHost([], { clock: new ManualClock() }));
    session.goAway();
    await peer.takeKind(FrameKind.GOAWAY, 0);
    await peer.closed();
  });

  it('aborts the signal of calls in flight when closed by its owner or when the caller goes away', async () => {
    for (const how of ['owner', 'caller'] as const) {
      const p = parked();
      const host = fakeHost([p.entry], { clock: new ManualClock() });
      const { session, peer } = await greeted(host);
      peer.send({ kind: FrameKind.REQUEST, streamId: 1, name: 'park', body: encodeBody({}) });
      await waitUntil(() => p.seen.length === 1, 'the handler');
      const signal = p.seen[0]!.call.signal;
      if (how === 'owner') session.close(new CellError('CELL_E_UNAVAILABLE', 'shutting down'));
      else peer.destroy();
      await waitUntil(() => signal.aborted, 'the signal to abort');
      expect((signal.reason as CellError<string>).code).toBe('CELL_E_UNAVAILABLE');
      await waitUntil(() => host.sessionsClosed === 1, 'the session to report its close');
      expect(host.ended).toBe(1);
      expect(session.inFlight).toBe(0);
      p.release('late');
    }
  });

  it('answers an oversized REQUEST with CELL_E_FRAME_TOO_LARGE on its stream and stays usable', async () => {
    const host = fakeHost([methodEntry('echo', 'unary', (input) => input)], { clock: new ManualClock(), limits: { maxFrameBytes: 1024 } });
    const { peer } = await greeted(host);
    peer.send({ kind: FrameKind.REQUEST, streamId: 1, name: 'echo', body: encodeBody('x'.repeat(3000)) });
    expect((await peer.takeError(1)).details).toMatchObject({ maxFrameBytes: 1024 });
    peer.send({ kind: FrameKind.REQUEST, streamId: 2, name: 'echo', body: encodeBody('fine') });
    expect(bodyOf(await peer.takeKind(FrameKind.RESPONSE, 2))).toBe('fine');
  });

  it('fails the call an oversized stream item belongs to', async () => {
    let signal: AbortSignal | undefined;
    const sum = methodEntry('sum', 'clientStream', async (input, ctx) => {
      signal = ctx.call.signal;
      for await (const _ of input as AsyncIterable<unknown>) void _;
      return 0;
    });
    const { peer } = await greeted(fakeHost([sum], { clock: new ManualClock(), limits: { maxFrameBytes: 1024 } }));
    peer.send({ kind: FrameKind.REQUEST, streamId: 4, name: 'sum', flags: FLAG_STREAM_IN });
    peer.send({ kind: FrameKind.STREAM_DATA, streamId: 4, body: encodeBody('x'.repeat(3000)) });
    expect((await peer.takeError(4)).code).toBe('CELL_E_FRAME_TOO_LARGE');
    await waitUntil(() => signal?.aborted === true, "the handler's signal");
  });
});
