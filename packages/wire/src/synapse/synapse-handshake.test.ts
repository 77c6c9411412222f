import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type CellError, decodeBody, encodeBody, encodeFrame, type Frame, FrameKind } from '@cell/protocol';
import { ManualClock } from '../test-support/manual-clock.ts';
import { bodyOf, RawPeer, serverHelloFrame, socketPair, waitUntil } from '../test-support/raw-peer.ts';
import { clientHelloBody, type HandshakeConfig, handshake, safeDecode } from './synapse-handshake.ts';

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
});

function config(clock: ManualClock, overrides: Partial<HandshakeConfig> = {}): HandshakeConfig {
  return {
    maxFrameBytes: 1 << 20,
    frameTimeoutMs: 30_000,
    maxWriteBacklogBytes: 4 << 20,
    windowBytes: 64 * 1024,
    handshakeTimeoutMs: 1000,
    target: 'stock',
    fingerprint: 'sha256:abc',
    cell: 'shop',
    replica: undefined,
    clock,
    ...overrides,
  };
}

/** Our side handshaking on one end of a socket pair; a fake membrane writing raw frames on the other. */
async function start(overrides: Partial<HandshakeConfig> = {}) {
  const [near, far] = await socketPair();
  sockets.push(near, far);
  const clock = new ManualClock();
  const membrane = new RawPeer(far);
  const outcome = handshake(near, config(clock, overrides));
  outcome.catch(() => undefined); // asserted by each test
  return { clock, membrane, outcome };
}

describe('synapse handshake', () => {
  it('says who we are in HELLO and resolves with the membrane’s HELLO', async () => {
    const { clock, membrane, outcome } = await start();
    const hello = bodyOf(await membrane.takeKind(FrameKind.HELLO, 0));
    expect(hello).toEqual({ v: 1, role: 'client', target: 'stock', fingerprint: 'sha256:abc', cell: 'shop', maxFrameBytes: 1 << 20, windowBytes: 64 * 1024 });
    clock.advance(7);
    membrane.write(serverHelloFrame({ name: 'stock', replica: null }));
    const opened = await outcome;
    expect(opened.hello).toMatchObject({ role: 'server', name: 'stock', version: '1.0.0', fingerprint: 'sha256:raw' });
    expect(opened.hello.replica).toBeUndefined();
    expect(opened.handshakeMs).toBe(7);
    expect(opened.conn.isOpen).toBe(true);
    expect(clock.pending).toBe(0); // the handshake timer is gone
  });

  it('fails with the error a membrane sends instead of HELLO, and hangs up', async () => {
    const { membrane, outcome } = await start();
    await membrane.takeKind(FrameKind.HELLO, 0);
    membrane.send({ kind: FrameKind.ERROR, streamId: 0, body: encodeBody({ code: 'CELL_E_OVERLOADED', message: 'full', details: { maxConnections: 2 } }) });
    await expect(outcome).rejects.toMatchObject({ code: 'CELL_E_OVERLOADED', details: { maxConnections: 2 } });
    await membrane.closed();
  });

  it('fails with CELL_E_PROTOCOL on a malformed HELLO, telling the membrane why', async () => {
    const { membrane, outcome } = await start();
    await membrane.takeKind(FrameKind.HELLO, 0);
    membrane.write(serverHelloFrame({ fingerprint: undefined, windowBytes: 3 }));
    const error = (await outcome.catch((e: unknown) => e)) as CellError<string>;
    expect(error.code).toBe('CELL_E_PROTOCOL');
    expect((error.details as { problems: Array<{ field: string }> }).problems.map((p) => p.field).sort()).toEqual(['fingerprint', 'windowBytes']);
    expect((await membrane.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await membrane.closed();
  });

  it('fails with CELL_E_PROTOCOL on a HELLO whose body is not msgpack', async () => {
    const { membrane, outcome } = await start();
    await membrane.takeKind(FrameKind.HELLO, 0);
    membrane.send({ kind: FrameKind.HELLO, streamId: 0, body: Buffer.from([0x92, 0x01]) }); // truncated: an array of 2 holding 1
    await expect(outcome).rejects.toMatchObject({ code: 'CELL_E_PROTOCOL' });
  });

  it('gives up with CELL_E_UNAVAILABLE when nothing answers within the handshake timeout', async () => {
    const { clock, membrane, outcome } = await start({ handshakeTimeoutMs: 500 });
    await membrane.takeKind(FrameKind.HELLO, 0);
    let settled = false;
    void outcome.then(
      () => (settled = true),
      () => (settled = true),
    );
    clock.advance(499);
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
    clock.advance(1);
    await expect(outcome).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    await membrane.closed();
  });

  it('fails with CELL_E_UNAVAILABLE when the membrane hangs up during the handshake', async () => {
    const { clock, membrane, outcome } = await start();
    await membrane.takeKind(FrameKind.HELLO, 0);
    membrane.destroy();
    await expect(outcome).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    expect(clock.pending).toBe(0);
  });

  it('replays to the owner the frames that came right behind HELLO, in order', async () => {
    const { membrane, outcome } = await start();
    await membrane.takeKind(FrameKind.HELLO, 0);
    // One write: the frames behind HELLO are read before anyone can take over the connection.
    membrane.write(
      Buffer.concat([
        serverHelloFrame(),
        encodeFrame({ kind: FrameKind.EVENT, streamId: 0, name: 'low', body: encodeBody({ sku: 'mug' }) }),
        encodeFrame({ kind: FrameKind.PING, streamId: 3 }),
        encodeFrame({ kind: FrameKind.GOAWAY, streamId: 0 }),
      ]),
    );
    const opened = await outcome;
    const seen: Frame[] = [];
    opened.attach({ frame: (f) => seen.push(f), oversize: () => undefined, close: () => undefined });
    membrane.send({ kind: FrameKind.PONG, streamId: 4 });
    await waitUntil(() => seen.length === 4, 'the frames, then one sent after attach');
    expect(seen.map((f) => f.kind)).toEqual([FrameKind.EVENT, FrameKind.PING, FrameKind.GOAWAY, FrameKind.PONG]);
    expect(seen[0]!.name).toBe('low');
  });

  it('tells an owner that takes over late that the connection already closed', async () => {
    const { membrane, outcome } = await start();
    await membrane.takeKind(FrameKind.HELLO, 0);
    membrane.write(serverHelloFrame());
    const opened = await outcome;
    membrane.destroy();
    await waitUntil(() => !opened.conn.isOpen, 'the connection to close');
    const closes: unknown[] = [];
    opened.attach({ frame: () => undefined, oversize: () => undefined, close: (e) => closes.push(e) });
    expect(closes).toEqual([undefined]);
  });

  it('encodes our HELLO once while the config says the same, and again when it changes', () => {
    const clock = new ManualClock();
    const first = clientHelloBody(config(clock));
    expect(clientHelloBody(config(clock, { handshakeTimeoutMs: 5 }))).toBe(first); // not in the HELLO
    for (const change of [{ target: 'orders' }, { fingerprint: 'sha256:def' }, { cell: undefined }, { replica: 'shop-2' }, { maxFrameBytes: 1 << 21 }, { windowBytes: 1 << 17 }]) {
      const body = clientHelloBody(config(clock, change));
      expect(body).not.toEqual(first);
      expect(decodeBody(body)).toMatchObject({ v: 1, role: 'client', ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) });
    }
    expect(decodeBody(clientHelloBody(config(clock)))).toEqual(decodeBody(first));
  });

  it('decodes error bodies safely: garbage is undefined, not an exception', () => {
    expect(safeDecode(Buffer.from([0x92, 0x01]))).toBeUndefined();
    expect(safeDecode(undefined)).toBeUndefined();
    expect(safeDecode(encodeBody({ code: 'x' }))).toEqual({ code: 'x' });
  });
});
