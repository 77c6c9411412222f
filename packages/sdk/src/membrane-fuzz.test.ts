import { connect as netConnect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBody, encodeFrame, FrameKind, FLAG_STREAM_IN, newTraceId } from '@cell/protocol';
import { connect } from './synapse.ts';
import { echoContract } from './test-fixtures/echo-contract.ts';
import { startChildEcho, type ChildCell } from './test-fixtures/child-cell.ts';
import { tempDir } from './test-fixtures/harness.ts';

/** Deterministic PRNG (mulberry32) so a failing run can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hello = encodeFrame({
  kind: FrameKind.HELLO,
  streamId: 0,
  body: encodeBody({ v: 1, role: 'client', maxFrameBytes: 65536, windowBytes: 65536 }),
});

/** Valid frames a real caller could send; the fuzzer mutates these. */
function templates(): Buffer[] {
  const t = newTraceId();
  return [
    hello,
    encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, name: 'echo', trace: t, deadlineMs: 1000, body: encodeBody({ text: 'hi' }) }),
    encodeFrame({ kind: FrameKind.REQUEST, streamId: 2, name: 'divide', body: encodeBody({ a: 1, b: 0 }) }),
    encodeFrame({ kind: FrameKind.REQUEST, streamId: 3, name: 'count', body: encodeBody({ to: 50 }) }),
    encodeFrame({ kind: FrameKind.REQUEST, streamId: 4, name: 'sum', flags: FLAG_STREAM_IN }),
    encodeFrame({ kind: FrameKind.STREAM_DATA, streamId: 4, body: encodeBody(3) }),
    encodeFrame({ kind: FrameKind.STREAM_END, streamId: 4 }),
    encodeFrame({ kind: FrameKind.CANCEL, streamId: 3 }),
    encodeFrame({ kind: FrameKind.CREDIT, streamId: 3, body: encodeBody(1024) }),
    encodeFrame({ kind: FrameKind.PING, streamId: 9, body: encodeBody('x') }),
    encodeFrame({ kind: FrameKind.EVENT, streamId: 0, name: 'note', body: encodeBody({ text: 'n' }) }),
    encodeFrame({ kind: FrameKind.REQUEST, streamId: 5, name: '$genome' }),
    encodeFrame({ kind: FrameKind.REQUEST, streamId: 6, name: 'wait', body: encodeBody({ ms: 50 }) }),
  ];
}

/** One hostile frame: random, mutated, truncated, mis-sized, or with a huge declared length. */
function hostileFrame(rand: () => number, pool: Buffer[]): Buffer {
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const base = Buffer.from(pick(pool));
  switch (Math.floor(rand() * 9)) {
    case 0: // flip a few bytes anywhere (header or body)
      for (let i = 0, n = 1 + Math.floor(rand() * 4); i < n; i++) base[Math.floor(rand() * base.length)] = Math.floor(rand() * 256);
      return base;
    case 1: // truncated
      return base.subarray(0, Math.floor(rand() * base.length));
    case 2: // wrong length prefix (shorter or longer than the bytes that follow)
      base.writeUInt32BE(Math.max(0, base.length - 4 + Math.floor(rand() * 40) - 20), 0);
      return base;
    case 3: // huge declared length, then a little data
      return Buffer.concat([Buffer.from([0xff, 0xff, 0xff, rand() * 256]), base.subarray(4, 10), bytes(Math.floor(rand() * 64))]);
    case 4: // unknown kind
      base[4] = 13 + Math.floor(rand() * 243);
      return base;
    case 5: // valid header, garbage msgpack body
      return encodeFrame({ kind: pick([FrameKind.REQUEST, FrameKind.STREAM_DATA, FrameKind.EVENT, FrameKind.CREDIT, FrameKind.HELLO]), streamId: Math.floor(rand() * 8), name: pick(['echo', 'sum', 'note', 'x']), body: bytes(1 + Math.floor(rand() * 40)) });
    case 6: // pure noise
      return bytes(1 + Math.floor(rand() * 64));
    case 7: // frames a caller must never send
      return encodeFrame({ kind: pick([FrameKind.RESPONSE, FrameKind.ERROR, FrameKind.GOAWAY]), streamId: Math.floor(rand() * 10), body: bytes(Math.floor(rand() * 10)) });
    default: // a valid frame, to get deeper into the state machine
      return base;
  }
}

/** Sends one batch on a fresh connection, reads whatever comes back, and closes (bounded). */
function blast(socketPath: string, payload: Buffer, lingerMs: number): Promise<'closed-by-cell' | 'closed-by-us'> {
  return new Promise((resolve) => {
    const s: Socket = netConnect(socketPath);
    let done = false;
    const finish = (how: 'closed-by-cell' | 'closed-by-us') => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve(how);
    };
    const timer = setTimeout(() => finish('closed-by-us'), lingerMs);
    s.on('data', () => undefined);
    s.on('error', () => finish('closed-by-cell'));
    s.on('close', () => finish('closed-by-cell'));
    s.on('connect', () => s.write(payload));
  });
}

describe('membrane under hostile input (real process, real socket)', () => {
  const tmp = tempDir('cell-fuzz-');
  const socketPath = join(tmp.dir, 'echo.sock');
  let cell: ChildCell;

  beforeAll(async () => {
    cell = await startChildEcho(socketPath, {
      CELL_TEST_MAX_FRAME_BYTES: String(64 * 1024),
      CELL_TEST_FRAME_TIMEOUT_MS: '300',
      CELL_TEST_HANDSHAKE_TIMEOUT_MS: '300',
    });
  });
  afterAll(async () => {
    await cell?.kill();
    tmp.remove();
  });

  it('survives 100,000 random and mutated frames, closing only offending connections', async () => {
    const seed = Number(process.env['CELL_FUZZ_SEED'] ?? Date.now() % 1_000_000);
    const rand = rng(seed);
    const pool = templates();
    const bystander = connect(echoContract, { socketPath, timeoutMs: 10_000 });
    await bystander.echo({ text: 'warm-up' });
    const rssStart = cell.rssBytes();
    let rssPeak = rssStart;
    let bystanderCalls = 0;
    let bystanderFailures = 0;
    let stop = false;
    const bystanderLoop = (async () => {
      while (!stop) {
        try {
          await bystander.echo({ text: String(bystanderCalls) });
          bystanderCalls++;
        } catch {
          bystanderFailures++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    })();

    const TOTAL_FRAMES = 100_000;
    const PARALLEL = 16;
    let sent = 0;
    let closedByCell = 0;
    const deadline = Date.now() + 240_000;
    try {
      while (sent < TOTAL_FRAMES && Date.now() < deadline) {
        const batches: Array<Promise<'closed-by-cell' | 'closed-by-us'>> = [];
        for (let p = 0; p < PARALLEL && sent < TOTAL_FRAMES; p++) {
          const n = 20 + Math.floor(rand() * 180);
          const frames: Buffer[] = rand() < 0.85 ? [hello] : [];
          for (let i = 0; i < n; i++) frames.push(hostileFrame(rand, pool));
          sent += n;
          batches.push(blast(socketPath, Buffer.concat(frames), 150));
        }
        for (const how of await Promise.all(batches)) if (how === 'closed-by-cell') closedByCell++;
        rssPeak = Math.max(rssPeak, cell.rssBytes());
      }
    } finally {
      stop = true;
      await bystanderLoop;
    }
    const summary = { seed, sent, closedByCell, bystanderCalls, bystanderFailures, rssStartMiB: rssStart >> 20, rssPeakMiB: rssPeak >> 20 };
    console.log(`fuzz: ${JSON.stringify(summary)}`);

    expect(sent).toBeGreaterThanOrEqual(TOTAL_FRAMES);
    expect(cell.isAlive()).toBe(true);
    expect(closedByCell).toBeGreaterThan(0); // garbage did get connections closed...
    expect(bystanderFailures).toBe(0); // ...but never the well-behaved one
    expect(bystanderCalls).toBeGreaterThan(0);
    // Bounded memory: every connection holds at most one max-size frame plus its in-flight calls.
    expect(rssPeak - rssStart).toBeLessThan(200 * 1024 * 1024);
    const fresh = connect(echoContract, { socketPath });
    expect(await fresh.echo({ text: 'after the storm' })).toEqual({ text: 'after the storm' });
    await fresh.$close();
    await bystander.$close();
  }, 300_000);

  it('closes a connection whose partial frame stalls, and one that never says HELLO', async () => {
    const partial = Buffer.concat([hello, encodeFrame({ kind: FrameKind.REQUEST, streamId: 1, name: 'echo', body: encodeBody({ text: 'x' }) }).subarray(0, 9)]);
    const started = Date.now();
    expect(await blast(socketPath, partial, 5000)).toBe('closed-by-cell');
    expect(await blast(socketPath, Buffer.alloc(0), 5000)).toBe('closed-by-cell');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses an oversized frame with CELL_E_FRAME_TOO_LARGE without reading it, and keeps the connection', async () => {
    const s = netConnect(socketPath);
    const got: Buffer[] = [];
    s.on('data', (d: Buffer) => got.push(d));
    await new Promise((r) => s.once('connect', r));
    // Declares 1 GiB but sends only the header: the cell must answer at once, not wait for it.
    const head = Buffer.alloc(10);
    head.writeUInt32BE(1 << 30, 0);
    head[4] = FrameKind.REQUEST;
    head.writeUInt32BE(77, 6);
    s.write(Buffer.concat([hello, head]));
    const deadline = Date.now() + 5000;
    while (!Buffer.concat(got).includes('CELL_E_FRAME_TOO_LARGE') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(got).includes('CELL_E_FRAME_TOO_LARGE')).toBe(true);
    s.destroy();
  });
});

describe('a peer that dies mid-call', () => {
  it('gives the caller CELL_E_UNAVAILABLE well within its deadline', async () => {
    const tmp = tempDir('cell-kill-');
    const socketPath = join(tmp.dir, 'echo.sock');
    const cell = await startChildEcho(socketPath);
    const client = connect(echoContract, { socketPath });
    try {
      await client.echo({ text: 'up' });
      const pending = client.wait({ ms: 60_000 }, { timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 50));
      const outcome = pending.then(
        () => 'resolved',
        (e: { code: string }) => e.code,
      );
      const killedAt = Date.now();
      await cell.kill('SIGKILL');
      expect(await outcome).toBe('CELL_E_UNAVAILABLE');
      expect(Date.now() - killedAt).toBeLessThan(2000);
      await expect(client.echo({ text: 'again' })).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    } finally {
      await client.$close();
      await cell.kill();
      tmp.remove();
    }
  });
});
