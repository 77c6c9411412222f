import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import type { CellError } from '@cell/protocol';
import { connectUnix, listenUnix, MAX_SOCKET_PATH_BYTES, probeSocket } from './unix-transport.ts';
import { type BorrowedReads, borrowedReadsOf } from './borrowed-reads.ts';
import { until } from '../test-support/until.ts';

const servers: Server[] = [];
const sockets: Socket[] = [];
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const s of sockets.splice(0)) s.destroy();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cell-unix-'));
  dirs.push(dir);
  return dir;
}

/** Listens on `path` with a server that echoes what it reads. */
async function echoServer(path: string): Promise<Server> {
  const server = await listenUnix(path, (s) => {
    sockets.push(s);
    s.pipe(s);
  });
  servers.push(server);
  return server;
}

async function roundTrip(path: string, text: string): Promise<string> {
  const socket = await connectUnix(path, 5000);
  sockets.push(socket);
  socket.write(text);
  return new Promise((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
}

const failure = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as CellError<string>);

describe('Unix transport', () => {
  it('listens and connects, creating the directory the socket goes in', async () => {
    const path = join(tempDir(), 'run', 'deep', 'cell.sock');
    await echoServer(path);
    expect(await roundTrip(path, 'ping')).toBe('ping');
    expect(await probeSocket(path)).toBe(true);
  });

  it('makes the socket 0600 whatever the umask', async () => {
    const path = join(tempDir(), 'cell.sock');
    const previous = process.umask(0);
    try {
      await echoServer(path);
    } finally {
      process.umask(previous);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('replaces the stale socket file a killed process left behind', async () => {
    const path = join(tempDir(), 'cell.sock');
    const child = spawn(process.execPath, ['-e', "require('node:net').createServer().listen(process.argv[1], () => console.log('ready'))", path], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the child did not listen in time')), 10_000);
      createInterface({ input: child.stdout! }).once('line', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(path)).toBe(true); // nobody removed it
    expect(await probeSocket(path)).toBe(false);
    await echoServer(path);
    expect(await roundTrip(path, 'mine now')).toBe('mine now');
  });

  it('refuses a path a live process serves on, leaving it serving', async () => {
    const path = join(tempDir(), 'cell.sock');
    await echoServer(path);
    const error = await failure(listenUnix(path, () => undefined));
    expect(error?.code).toBe('CELL_E_INVALID_ARGUMENT');
    expect(error?.details).toEqual({ path });
    expect(await roundTrip(path, 'still me')).toBe('still me');
  });

  it('refuses a path longer than 107 bytes (counting bytes, not characters)', async () => {
    const dir = tempDir();
    const fit = join(dir, 'x'.repeat(MAX_SOCKET_PATH_BYTES - dir.length - 1));
    expect(Buffer.byteLength(fit)).toBe(107);
    await echoServer(fit);
    const long = `${fit}y`;
    const wide = join(dir, 'é'.repeat(Math.ceil((MAX_SOCKET_PATH_BYTES - dir.length) / 2)));
    expect(wide.length).toBeLessThanOrEqual(MAX_SOCKET_PATH_BYTES);
    for (const path of [long, wide]) {
      const error = await failure(listenUnix(path, () => undefined));
      expect(error?.code).toBe('CELL_E_INVALID_ARGUMENT');
      expect(error?.details).toEqual({ path });
    }
  });

  it('fails to connect with CELL_E_UNAVAILABLE, naming the path and the reason', async () => {
    const dir = tempDir();
    const missing = join(dir, 'missing.sock');
    expect(await failure(connectUnix(missing, 5000))).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { path: missing, errno: 'ENOENT' } });
    const notASocket = join(dir, 'file');
    writeFileSync(notASocket, '');
    expect(await failure(connectUnix(notASocket, 5000))).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { path: notASocket } });
    expect(await probeSocket(missing)).toBe(false);
  });

  it('leaves a connected socket\'s errors to its owner, and never throws one itself', async () => {
    const path = join(tempDir(), 'e.sock');
    await echoServer(path);
    const socket = await connectUnix(path, 5000);
    sockets.push(socket);
    // No owner listening yet: the error is not thrown (an unheard 'error' event would crash the process).
    expect(() => socket.emit('error', new Error('before the owner'))).not.toThrow();
    const seen: string[] = [];
    socket.on('error', (err) => seen.push(err.message)); // the owner's (FramedConnection's, in Cell)
    socket.emit('error', new Error('late'));
    expect(seen).toEqual(['late']);
  });

  it('tries again while a full accept queue answers EAGAIN: a burst of callers all connect', async () => {
    const path = join(tempDir(), 'busy.sock');
    const accepted: Socket[] = [];
    const server = createServer((socket) => void accepted.push(socket));
    await new Promise<void>((resolve) => server.listen({ path, backlog: 1 }, resolve));
    try {
      // All issued before this process's loop gets to accept any: most find the queue of 1 full.
      const sockets = await Promise.all(Array.from({ length: 64 }, () => connectUnix(path, 10_000)));
      expect(sockets).toHaveLength(64);
      for (const s of sockets) s.destroy();
    } finally {
      for (const s of accepted) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives up with CELL_E_UNAVAILABLE once the timeout passes while the accept queue stays full', { timeout: 30_000 }, async () => {
    const path = join(tempDir(), 'stuck.sock');
    // A listener that never accepts: its process blocks right after listening, with a queue of 1.
    const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen({ path: ${JSON.stringify(path)}, backlog: 1 }, () => { console.log('ready'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    await new Promise((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
    let error: CellError<string> | undefined;
    let startedAt = 0;
    for (let i = 0; i < 16 && error === undefined; i++) {
      startedAt = performance.now();
      // Queued (the queue is not full yet): kept open, and quiet when the listener dies.
      error = await connectUnix(path, 200).then(
        (s) => void sockets.push(s.on('error', () => undefined)),
        (e: unknown) => e as CellError<string>,
      );
    }
    expect(error).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { path, errno: 'EAGAIN' } });
    expect(error!.message).toContain('timed out after 200 ms');
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(190); // it tried again until the timeout
  });

  it('listens with a deep accept queue: 1,000 callers at once are all queued, none refused', async () => {
    const path = join(tempDir(), 'deep.sock');
    const server = await listenUnix(path, (socket) => socket.destroy());
    try {
      const sockets = await Promise.all(Array.from({ length: 1000 }, () => connectUnix(path, 10_000)));
      expect(sockets).toHaveLength(1000);
      for (const s of sockets) s.destroy();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('with borrowedReads, accepted sockets read into the shared read buffer and emit no data events', async () => {
    const path = join(tempDir(), 'cell.sock');
    const bytes = Buffer.from(Array.from({ length: 400_000 }, (_, i) => i % 251));
    const copies: Buffer[] = [];
    const views = new Set<ArrayBufferLike>();
    const kinds = new Set<boolean>();
    let dataEvents = 0;
    let ended: () => void = () => undefined;
    const got = new Promise<void>((resolve) => (ended = resolve));
    const server = await listenUnix(
      path,
      (s) => {
        sockets.push(s);
        s.on('data', () => dataEvents++);
        borrowedReadsOf(s)!.attach((chunk, borrowed) => {
          kinds.add(borrowed);
          views.add(chunk.buffer);
          copies.push(Buffer.from(chunk));
        });
        s.once('end', ended);
      },
      { borrowedReads: true },
    );
    servers.push(server);
    const client = await connectUnix(path, 5000);
    sockets.push(client);
    client.end(bytes);
    await got;
    expect(Buffer.concat(copies).equals(bytes)).toBe(true);
    expect(copies.length).toBeGreaterThan(1);
    expect([...kinds]).toEqual([true]);
    expect(views.size).toBe(1); // every read landed in the one shared buffer
    expect(dataEvents).toBe(0);
  });

  it('with borrowedReads, a socket nobody reads makes no read until a reader attaches and resumes it', async () => {
    const path = join(tempDir(), 'cell.sock');
    let accepted: Socket | undefined;
    servers.push(await listenUnix(path, (s) => void sockets.push((accepted = s)), { borrowedReads: true }));
    const client = await connectUnix(path, 5000);
    sockets.push(client);
    await new Promise<void>((resolve) => client.write('early bytes', () => resolve()));
    await until(() => accepted !== undefined);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(accepted!.bytesRead).toBe(0);
    const reads: BorrowedReads = borrowedReadsOf(accepted!)!;
    const text = new Promise<string>((resolve) => reads.attach((chunk) => resolve(chunk.toString())));
    accepted!.resume();
    expect(await text).toBe('early bytes');
  });
});
