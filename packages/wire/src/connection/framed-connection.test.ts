import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CellError, decodeBody, encodeBody, encodeFrame, encodeSentBody, type Frame, FrameKind, type OversizeFrame } from '@cell/protocol';
import { RawPeer, socketPair, waitUntil } from '../test-support/raw-peer.ts';
import { type ConnectionLimits, FramedConnection } from './framed-connection.ts';

const LIMITS: ConnectionLimits = { maxFrameBytes: 1 << 20, frameTimeoutMs: 30_000, maxWriteBacklogBytes: 4 << 20, pauseReadingOnBacklog: true };

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.destroy();
  vi.restoreAllMocks();
});

/** A FramedConnection on one end of a real socket pair, a RawPeer on the other, and what the connection reported. */
async function open(limits: Partial<ConnectionLimits> = {}) {
  const [near, far] = await socketPair();
  sockets.push(near, far);
  const frames: Frame[] = [];
  const oversize: OversizeFrame[] = [];
  const closes: Array<CellError<string> | undefined> = [];
  const conn = new FramedConnection(near, { ...LIMITS, ...limits }, { frame: (f) => frames.push(f), oversize: (o) => oversize.push(o), close: (e) => closes.push(e) });
  return { conn, near, peer: new RawPeer(far), frames, oversize, closes };
}

const ping = (streamId: number, body?: unknown) => ({ kind: FrameKind.PING, streamId, body: encodeBody(body) }) as const;

describe('FramedConnection', () => {
  it('carries frames both ways', async () => {
    const { conn, peer, frames } = await open();
    conn.send(ping(1, 'hi'));
    expect((await peer.takeKind(FrameKind.PING, 1)).body).toEqual(encodeBody('hi'));
    peer.send({ kind: FrameKind.PONG, streamId: 1 });
    await waitUntil(() => frames.length === 1, 'the PONG');
    expect(frames[0]).toMatchObject({ kind: FrameKind.PONG, streamId: 1 });
  });

  it('keeps the bytes of bodies encoded in place though more are encoded before the write, small and large', async () => {
    const { conn, peer } = await open();
    const large = { text: 'y'.repeat(100_000) }; // gathered after its header, not copied into the frame
    const values = [{ n: 1 }, large, 'three', { n: 4, list: [1, 2, 3] }];
    values.forEach((v, i) => conn.send({ kind: FrameKind.PING, streamId: i + 1, body: encodeSentBody(v) }));
    encodeSentBody({ overwrites: 'what msgpackr wrote before' });
    for (let i = 0; i < values.length; i++) expect(decodeBody((await peer.takeKind(FrameKind.PING, i + 1)).body)).toEqual(values[i]);
  });

  it('sends the frames of one tick in one write', async () => {
    const { conn, near, peer } = await open();
    const write = vi.spyOn(near, 'write');
    for (let i = 1; i <= 3; i++) conn.send(ping(i));
    expect(write).not.toHaveBeenCalled(); // queued until the tick ends
    await new Promise((r) => setImmediate(r));
    expect(write).toHaveBeenCalledTimes(1);
    for (let i = 1; i <= 3; i++) await peer.takeKind(FrameKind.PING, i);
  });

  it('sends what a read\'s frames answer in one write as the read ends, before the tick ends', async () => {
    const [near, far] = await socketPair();
    sockets.push(near, far);
    const written: number[] = [];
    const conn: FramedConnection = new FramedConnection(near, LIMITS, {
      frame: (f) => {
        // Queued before the answers: it runs after them only if they left with the read.
        if (f.streamId === 1) process.nextTick(() => written.push(near.bytesWritten));
        conn.send({ kind: FrameKind.PONG, streamId: f.streamId });
      },
      oversize: () => undefined,
      close: () => undefined,
    });
    const peer = new RawPeer(far);
    const write = vi.spyOn(near, 'write');
    peer.socket.write(Buffer.concat([1, 2, 3].map((id) => encodeFrame(ping(id)))));
    for (let id = 1; id <= 3; id++) await peer.takeKind(FrameKind.PONG, id);
    expect(write).toHaveBeenCalledTimes(1); // the three answers together
    expect(written).toHaveLength(1);
    expect(written[0]).toBeGreaterThan(0);
  });

  it('never writes over frames still queued in the socket: thousands sent across ticks while the peer does not read all arrive intact, in order', async () => {
    const { conn, near, peer } = await open({ pauseReadingOnBacklog: false });
    peer.socket.pause();
    const count = 4000;
    const body = (i: number) => encodeBody({ i, text: `frame ${i} `.repeat(5 + (i % 17)) });
    for (let i = 1; i <= count; i++) {
      conn.send({ kind: FrameKind.PING, streamId: i, body: body(i) });
      if (i % 100 === 0) await new Promise((r) => setImmediate(r)); // a flush per 100 frames
    }
    await waitUntil(() => near.writableLength > 0, 'the socket to back up');
    peer.socket.resume();
    await waitUntil(() => peer.frames.length === count, `${count} frames`, 20_000);
    expect(peer.garbage).toBeUndefined();
    peer.frames.forEach((f, n) => {
      expect(f.streamId).toBe(n + 1);
      expect(f.body).toEqual(body(n + 1));
    });
  });

  it('writes large batches frame by frame instead of copying them together', async () => {
    const { conn, near, peer } = await open();
    const write = vi.spyOn(near, 'write');
    const big = Buffer.alloc(40 * 1024);
    for (let i = 1; i <= 3; i++) conn.send({ kind: FrameKind.PING, streamId: i, body: encodeBody(big) });
    await new Promise((r) => setImmediate(r));
    expect(write).toHaveBeenCalledTimes(3);
    for (let i = 1; i <= 3; i++) await peer.takeKind(FrameKind.PING, i);
  });

  it('stops reading while the peer does not take its output, and reads again once it does', async () => {
    const { conn, near, peer, frames } = await open({ maxWriteBacklogBytes: 1024 });
    peer.socket.pause(); // a peer that stops reading
    conn.send({ kind: FrameKind.PING, streamId: 1, body: encodeBody(Buffer.alloc(8 << 20)) });
    await waitUntil(() => near.isPaused(), 'the connection to stop reading');
    expect(conn.writeBacklogBytes).toBeGreaterThanOrEqual(1024);
    let writable = false;
    void conn.whenWritable().then(() => (writable = true));
    peer.send(ping(2)); // sent while we do not read
    await new Promise((r) => setTimeout(r, 50));
    expect(writable).toBe(false);
    expect(frames).toEqual([]);
    peer.socket.resume();
    await waitUntil(() => writable && !near.isPaused(), 'the backlog to drain');
    await waitUntil(() => frames.length === 1, 'the frame sent meanwhile');
    await peer.takeKind(FrameKind.PING, 1);
  });

  it('on the calling side keeps reading while its own output backs up (no deadlock with a paused server)', async () => {
    const { conn, near, peer, frames } = await open({ maxWriteBacklogBytes: 1024, pauseReadingOnBacklog: false });
    peer.socket.pause();
    conn.send({ kind: FrameKind.PING, streamId: 1, body: encodeBody(Buffer.alloc(8 << 20)) });
    await new Promise((r) => setImmediate(r));
    expect(conn.writeBacklogBytes).toBeGreaterThanOrEqual(1024);
    peer.send(ping(2));
    await waitUntil(() => frames.length === 1, 'the frame sent while our output waits');
    expect(near.isPaused()).toBe(false);
    peer.socket.resume();
    await peer.takeKind(FrameKind.PING, 1);
  });

  it('closes with CELL_E_PROTOCOL when a partial frame stalls, telling the peer why', async () => {
    const { peer, closes } = await open({ frameTimeoutMs: 100 });
    peer.write(encodeFrame(ping(1, 'never finished')).subarray(0, 7));
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
    expect(closes.map((e) => e?.code)).toEqual(['CELL_E_PROTOCOL']);
  });

  it('times a partial frame from the last complete one: trickling its bytes does not keep it alive', async () => {
    const { conn, peer, closes } = await open({ frameTimeoutMs: 150 });
    const frame = encodeFrame(ping(1, 'x'.repeat(200)));
    let written = 0;
    for (; written < frame.length && conn.isOpen; written++) {
      peer.write(frame.subarray(written, written + 1));
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(written).toBeLessThan(frame.length);
    expect(closes.map((e) => e?.code)).toEqual(['CELL_E_PROTOCOL']);
  });

  it('does not blame the peer for a stalled frame while it is itself not reading', async () => {
    const { conn, near, peer, closes } = await open({ frameTimeoutMs: 100, maxWriteBacklogBytes: 1024 });
    peer.socket.pause();
    peer.write(encodeFrame(ping(1, 'half')).subarray(0, 8)); // a partial frame starts the timer
    await new Promise((r) => setTimeout(r, 20));
    conn.send({ kind: FrameKind.PING, streamId: 2, body: encodeBody(Buffer.alloc(8 << 20)) });
    await waitUntil(() => near.isPaused(), 'the connection to stop reading');
    await new Promise((r) => setTimeout(r, 400)); // several frame timeouts while paused
    expect(conn.isOpen).toBe(true);
    peer.socket.resume(); // the backlog drains; the stalled frame is the peer's fault again
    await waitUntil(() => closes.length === 1, 'the stalled frame to close the connection');
    expect(closes[0]?.code).toBe('CELL_E_PROTOCOL');
  });

  it('reports an oversized frame from its header, skips it, and stays usable', async () => {
    const { conn, peer, frames, oversize } = await open({ maxFrameBytes: 1024 });
    peer.write(Buffer.concat([encodeFrame({ kind: FrameKind.REQUEST, streamId: 9, name: 'm', body: encodeBody('x'.repeat(5000)) }), encodeFrame(ping(10))]));
    await waitUntil(() => frames.length === 1, 'the frame after the oversized one');
    expect(oversize).toEqual([{ kind: FrameKind.REQUEST, streamId: 9, declaredBytes: expect.any(Number) }]);
    expect(oversize[0]!.declaredBytes).toBeGreaterThan(5000);
    expect(frames[0]).toMatchObject({ kind: FrameKind.PING, streamId: 10 });
    expect(conn.isOpen).toBe(true);
  });

  it('closes with CELL_E_PROTOCOL on broken framing, telling the peer on stream 0', async () => {
    const { peer, closes, frames } = await open();
    peer.write(Buffer.from([0, 0, 0, 6, 99, 0, 0, 0, 0, 1])); // unknown kind 99
    expect((await peer.takeError(0)).code).toBe('CELL_E_PROTOCOL');
    await peer.closed();
    expect(closes.map((e) => e?.code)).toEqual(['CELL_E_PROTOCOL']);
    expect(frames).toEqual([]);
  });

  it('flushes what was queued before ending, then refuses to send', async () => {
    const { conn, peer, closes } = await open();
    conn.send(ping(1));
    conn.end();
    await peer.takeKind(FrameKind.PING, 1);
    await peer.closed();
    expect(closes).toEqual([undefined]);
    expect(conn.isOpen).toBe(false);
    expect(conn.send(ping(2))).toBe(false);
    await conn.whenWritable(); // never waits on a closed connection
  });

  it('cuts off a peer that does not close its side once it got everything (hung, or its loop blocked)', async () => {
    const { conn, near, peer } = await open();
    peer.socket.allowHalfOpen = true; // it sees our end and never ends its own
    conn.send(ping(1));
    conn.end();
    await peer.takeKind(FrameKind.PING, 1);
    await waitUntil(() => near.destroyed, 'the socket to be cut off', 10_000);
  });

  it('sends ERROR on stream 0 before closing when it fails the connection', async () => {
    const { conn, peer, closes } = await open();
    conn.fail(new CellError('CELL_E_OVERLOADED', 'too many'));
    expect((await peer.takeError(0)).code).toBe('CELL_E_OVERLOADED');
    await peer.closed();
    expect(closes.map((e) => e?.code)).toEqual(['CELL_E_OVERLOADED']);
  });

  it('reports close exactly once, with the reason given to destroy', async () => {
    const { conn, peer, closes } = await open();
    conn.destroy(new CellError('CELL_E_CLOSED', 'owner closed it'));
    conn.destroy(new CellError('CELL_E_INTERNAL', 'again'));
    conn.end();
    await peer.closed();
    expect(closes.map((e) => e?.code)).toEqual(['CELL_E_CLOSED']);
  });

  it('reports a clean close when the peer hangs up, and CELL_E_UNAVAILABLE when the socket fails', async () => {
    const clean = await open();
    clean.peer.socket.end();
    await waitUntil(() => clean.closes.length === 1, 'the close');
    expect(clean.closes).toEqual([undefined]);

    const broken = await open();
    broken.near.destroy(new Error('EPIPE, say'));
    await waitUntil(() => broken.closes.length === 1, 'the close');
    expect(broken.closes[0]?.code).toBe('CELL_E_UNAVAILABLE');
  });
});
