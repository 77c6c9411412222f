import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeBody, FLAG_EARLY, FrameKind } from '@cell/protocol';
import { parseServerHello } from '../connection/handshake.ts';
import { rawConnectionConfig } from '../test-support/connection-config.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { RawPeer, serverHelloFrame, socketPair } from '../test-support/raw-peer.ts';
import { HelloCache } from './hello-cache.ts';
import { SynapseConnection, type SynapseConnectionConfig } from './synapse-connection.ts';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

const KEY = '/run/raw.sock';
const RAW_HELLO = { v: 1, role: 'server', name: 'raw', version: '1.0.0', fingerprint: 'sha256:raw', replica: 'raw-0', pid: 1, maxFrameBytes: 1 << 20, windowBytes: 64 * 1024, early: true };

/** A cache that remembers the raw membrane at KEY (as after an earlier connection), with `fields` changed. */
function rememberedRaw(fields: Record<string, unknown> = {}): HelloCache {
  const hellos = new HelloCache();
  hellos.remember(KEY, parseServerHello({ ...RAW_HELLO, ...fields }), 0.2);
  return hellos;
}

/** How these tests' connections run: the raw membrane's genome, reached before at KEY (in `hellos`). */
function openConfig(hellos: HelloCache): SynapseConnectionConfig {
  return rawConnectionConfig(undefined, { fingerprint: 'sha256:raw', helloKey: KEY, hellos });
}

/** Opens a connection to a fake membrane a test drives with raw frames; the membrane has answered nothing yet. */
async function openEarly(hellos: HelloCache, overrides: Partial<SynapseConnectionConfig> = {}) {
  const [near, far] = await socketPair();
  sockets.push(near, far);
  const clock = new ManualClock();
  const membrane = new RawPeer(far);
  const conn = await SynapseConnection.open(near, { ...openConfig(hellos), clock, ...overrides });
  return { conn, membrane, clock };
}

describe('a caller that reached a membrane before', () => {
  it('sends its first call right behind its HELLO, flagged early, and goes on with the membrane HELLO once it comes', async () => {
    const hellos = rememberedRaw();
    const { conn, membrane } = await openEarly(hellos);
    expect(conn.awaitingHello).toBe(true);
    const reply = conn.unary('m', { n: 1 });
    // The membrane has said nothing, and already has both frames.
    await membrane.takeKind(FrameKind.HELLO, 0);
    const request = await membrane.takeKind(FrameKind.REQUEST);
    expect(request.flags & FLAG_EARLY).toBe(FLAG_EARLY);
    const handshaken = conn.handshaken();
    membrane.write(serverHelloFrame({ name: 'raw', fingerprint: 'sha256:raw', pid: 42, early: true }));
    membrane.send({ kind: FrameKind.RESPONSE, streamId: request.streamId, body: encodeBody({ n: 2 }) });
    expect(await reply).toEqual({ n: 2 });
    await handshaken;
    expect(conn.awaitingHello).toBe(false);
    expect(conn.remote.pid).toBe(42); // the membrane's own HELLO replaced the remembered one
    // Calls after the HELLO carry no flag.
    const second = conn.unary('m', {});
    const next = await membrane.takeKind(FrameKind.REQUEST);
    expect(next.flags & FLAG_EARLY).toBe(0);
    membrane.send({ kind: FrameKind.RESPONSE, streamId: next.streamId, body: encodeBody(null) });
    await second;
    expect(hellos.recall(KEY)?.hello.pid).toBe(42);
  });

  it('closes when the cell changed, failing the early call as not run (to be sent again) and forgetting the cell', async () => {
    const hellos = rememberedRaw();
    const { conn, membrane } = await openEarly(hellos);
    const reply = conn.unary('m', {});
    const handshaken = conn.handshaken();
    await membrane.takeKind(FrameKind.REQUEST);
    membrane.write(serverHelloFrame({ name: 'raw', version: '2.0.0', fingerprint: 'sha256:newer', early: true }));
    await expect(reply).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { early: true } });
    await expect(handshaken).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    expect(conn.isOpen).toBe(false);
    expect(hellos.recall(KEY)).toBeUndefined();
  });

  it('goes on when the cell changed but the caller checks no genome (a dynamic caller)', async () => {
    const hellos = rememberedRaw();
    const { conn, membrane } = await openEarly(hellos, { fingerprint: undefined });
    const reply = conn.unary('m', {});
    const request = await membrane.takeKind(FrameKind.REQUEST);
    membrane.write(serverHelloFrame({ name: 'raw', fingerprint: 'sha256:newer', early: true }));
    membrane.send({ kind: FrameKind.RESPONSE, streamId: request.streamId, body: encodeBody('ran') });
    expect(await reply).toBe('ran');
    expect(conn.remote.fingerprint).toBe('sha256:newer');
  });

  it('fails early calls with the reason a membrane refuses the handshake', async () => {
    const hellos = rememberedRaw();
    const { conn, membrane } = await openEarly(hellos);
    const reply = conn.unary('m', {});
    await membrane.takeKind(FrameKind.REQUEST);
    membrane.send({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody({ code: 'CELL_E_OVERLOADED', message: 'holds its limit of 1 connections' }) });
    await expect(reply).rejects.toMatchObject({ code: 'CELL_E_OVERLOADED' });
    expect(hellos.recall(KEY)).toBeUndefined(); // the next connection waits for the HELLO
  });

  it('fails early calls as lost in flight, not to be sent again, when the connection closes before the HELLO (a membrane of an older release)', async () => {
    const hellos = rememberedRaw();
    const { conn, membrane } = await openEarly(hellos);
    const reply = conn.unary('m', {});
    await membrane.takeKind(FrameKind.REQUEST);
    membrane.destroy();
    await expect(reply).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { lostInFlight: true } });
    expect(hellos.recall(KEY)).toBeUndefined();
  });

  it('waits for the HELLO rather than refuse an input over the remembered limit (the membrane may have raised it)', async () => {
    const { conn, membrane } = await openEarly(rememberedRaw({ maxFrameBytes: 64 * 1024 }));
    const reply = conn.unary('m', { blob: 'x'.repeat(100_000) });
    await membrane.takeKind(FrameKind.HELLO, 0);
    await new Promise((r) => setTimeout(r, 20));
    expect(membrane.frames.filter((f) => f.kind === FrameKind.REQUEST)).toEqual([]);
    membrane.write(serverHelloFrame({ name: 'raw', fingerprint: 'sha256:raw', maxFrameBytes: 1 << 20, early: true }));
    const request = await membrane.takeKind(FrameKind.REQUEST);
    expect(request.flags & FLAG_EARLY).toBe(0);
    membrane.send({ kind: FrameKind.RESPONSE, streamId: request.streamId, body: encodeBody('big') });
    expect(await reply).toBe('big');
  });

  it('gives up on a membrane whose HELLO never comes, within the handshake timeout', async () => {
    const { conn, membrane, clock } = await openEarly(rememberedRaw(), { handshakeTimeoutMs: 3000 });
    const handshaken = conn.handshaken();
    await membrane.takeKind(FrameKind.HELLO, 0);
    clock.advance(3000);
    await expect(handshaken).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE', message: expect.stringContaining('no handshake reply within 3000 ms') });
    expect(conn.isOpen).toBe(false);
  });

  it('waits for the HELLO when it remembers the cell with another genome, another name, or no early support', async () => {
    for (const [fields, config] of [
      [{ fingerprint: 'sha256:other' }, {}],
      [{ name: 'other' }, {}],
      [{ early: false }, {}],
      [{}, { helloKey: undefined }],
    ] as Array<[Record<string, unknown>, Partial<SynapseConnectionConfig>]>) {
      const [near, far] = await socketPair();
      sockets.push(near, far);
      const membrane = new RawPeer(far);
      const hellos = rememberedRaw(fields);
      let opened = false;
      const opening = SynapseConnection.open(near, { ...openConfig(hellos), ...config }).then((c) => ((opened = true), c));
      await membrane.takeKind(FrameKind.HELLO, 0);
      await new Promise((r) => setTimeout(r, 20));
      expect(opened).toBe(false); // it waits for the membrane
      membrane.write(serverHelloFrame({ name: 'raw', fingerprint: 'sha256:raw' }));
      expect((await opening).awaitingHello).toBe(false);
    }
  });
});

describe('HelloCache', () => {
  it('recalls only membranes that take calls with the handshake, and forgets the oldest beyond its capacity', () => {
    const hellos = new HelloCache(2);
    hellos.remember('a', parseServerHello(RAW_HELLO), 1);
    hellos.remember('b', parseServerHello({ ...RAW_HELLO, early: undefined }), 1);
    expect(hellos.recall('a')?.handshakeMs).toBe(1);
    expect(hellos.recall('b')).toBeUndefined();
    hellos.remember('c', parseServerHello(RAW_HELLO), 1);
    expect(hellos.size).toBe(2);
    expect(hellos.recall('a')).toBeUndefined();
    hellos.forget('c');
    expect(hellos.recall('c')).toBeUndefined();
  });
});
