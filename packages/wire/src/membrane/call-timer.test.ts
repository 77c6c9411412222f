import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameKind, newTraceId } from '@cell/protocol';
import { FramedConnection } from '../connection/framed-connection.ts';
import { CallTimer } from './call-timer.ts';
import type { MethodEntry } from './method-entry.ts';
import { MethodStats } from './method-stats.ts';
import { ServerCall } from './server-call.ts';
import { SpanLog } from './span-log.ts';

const LIMITS = { maxFrameBytes: 1 << 20, frameTimeoutMs: 5000, maxWriteBacklogBytes: 1 << 20, pauseReadingOnBacklog: true };
const cleanups: Array<() => void> = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const c of cleanups.splice(0)) c();
});

/** A real loopback TCP pair: the server side wrapped in a FramedConnection (as a membrane's), the raw client side. */
async function pair(): Promise<{ conn: FramedConnection; client: Socket; arrived: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect((server.address() as { port: number }).port, '127.0.0.1');
  const socket = await accepted;
  const conn = new FramedConnection(socket, LIMITS, { frame: () => undefined, oversize: () => undefined, close: () => undefined });
  let onArrival: (() => void) | undefined;
  socket.on('data', () => onArrival?.()); // after the connection's own listener: readAt is set
  cleanups.push(() => {
    conn.destroy(undefined);
    client.destroy();
    server.close();
  });
  return { conn, client, arrived: () => new Promise((resolve) => (onArrival = resolve)) };
}

function call(stats: MethodStats, id = 1): ServerCall {
  const entry = { name: 'echo', stats } as unknown as MethodEntry;
  const c = new ServerCall(entry, Infinity, id, newTraceId());
  c.span = id;
  return c;
}

describe('CallTimer', () => {
  it('times a call from the arrival of its request to the flush of its reply, counting it and keeping its span then', async () => {
    const { conn, client, arrived } = await pair();
    const spans = new SpanLog(8);
    const timer = new CallTimer(conn, spans, () => ({ cell: 'orders' }));
    const stats = new MethodStats(true);
    const arrival = arrived();
    client.write(Buffer.from([0])); // bytes arrive: the clock is read once
    await arrival;
    const c = call(stats);
    timer.began(c);
    expect(c.began).toBe(conn.readAt);
    await new Promise((r) => setTimeout(r, 30));
    conn.send({ kind: FrameKind.RESPONSE, streamId: 1 });
    timer.end(c, undefined);
    expect(stats.snapshot().ok).toBe(0); // not before its reply leaves
    await new Promise((r) => process.nextTick(r));
    expect(stats.snapshot().ok).toBe(1);
    const [span] = spans.find({ limit: 1 });
    expect(span).toMatchObject({ method: 'echo', outcome: 'ok', caller: 'orders' });
    expect(span!.durationMs).toBeGreaterThanOrEqual(25);
  });

  it('reads the clock twice for a batch of calls, not twice per call', async () => {
    const { conn, client, arrived } = await pair();
    const spans = new SpanLog(64);
    const timer = new CallTimer(conn, spans, () => ({}));
    const stats = new MethodStats(true);
    const arrival = arrived();
    const now = vi.spyOn(performance, 'now');
    client.write(Buffer.from([0]));
    await arrival;
    const reads = now.mock.calls.length;
    for (let id = 1; id <= 32; id++) {
      const c = call(stats, id);
      timer.began(c);
      conn.send({ kind: FrameKind.RESPONSE, streamId: id });
      timer.end(c, undefined);
    }
    await new Promise((r) => process.nextTick(r));
    expect(stats.snapshot().ok).toBe(32);
    expect(spans.recorded).toBe(32);
    expect(reads).toBeGreaterThanOrEqual(1); // the arrival
    expect(now.mock.calls.length - reads).toBe(1); // the flush, for all 32
  });

  it('counts a call that ends with nothing to flush (cancelled, unanswered) at once, with its error', async () => {
    const { conn, client, arrived } = await pair();
    const timer = new CallTimer(conn, undefined, () => ({}));
    const stats = new MethodStats(true);
    const arrival = arrived();
    client.write(Buffer.from([0]));
    await arrival;
    const c = call(stats);
    timer.began(c);
    timer.end(c, { code: 'CELL_E_CANCELLED' } as never);
    expect(stats.snapshot().errors).toEqual({ CELL_E_CANCELLED: 1 });
  });
});
