import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeBody, encodeBody, encodeFrame, type Frame, FrameDecoder, FrameKind, type FrameParts, type OversizeFrame } from '@cell/protocol';

/** How long a test waits for something a peer should send, unless told otherwise (bounded, generous for busy CI). */
export const WAIT_MS = 5000;

/**
 * Two connected Unix sockets (a real socket pair): the listener and its temporary directory are
 * gone by the time this resolves, so only the two sockets need closing.
 */
export async function socketPair(): Promise<[near: Socket, far: Socket]> {
  const dir = mkdtempSync(join(tmpdir(), 'cell-pair-'));
  const server = createServer();
  try {
    const path = join(dir, 'pair.sock');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const near = connect(path);
    await new Promise<void>((resolve, reject) => {
      near.once('connect', resolve);
      near.once('error', reject);
    });
    return [near, await accepted];
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The other end of a connection, driven by a test with raw frames: records every frame it
 * receives (decoded with a generous limit) and lets the test wait, bounded, for the next one.
 */
export class RawPeer {
  readonly socket: Socket;
  readonly frames: Frame[] = [];
  readonly oversize: OversizeFrame[] = [];
  /** Bytes received, frames or not. */
  received = 0;
  isClosed = false;
  /** Set when the bytes received were not frames at all. */
  garbage: Error | undefined;
  private readonly decoder: FrameDecoder;
  private waiters: Array<() => void> = [];

  constructor(socket: Socket, maxFrameBytes = 64 * 1024 * 1024) {
    this.socket = socket;
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => {
      this.received += chunk.length;
      try {
        this.decoder.push(chunk, { frame: (f) => this.frames.push(f), oversize: (o) => this.oversize.push(o) });
      } catch (err) {
        this.garbage = err as Error;
      }
      this.wake();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      this.wake();
    });
  }

  send(parts: FrameParts): void {
    this.socket.write(encodeFrame(parts));
  }

  /** Writes bytes as they are (several frames at once, garbage, half a frame). */
  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Takes (removes) the first received frame that matches, waiting for it if need be. */
  take(match: (f: Frame) => boolean, what = 'a frame', timeoutMs = WAIT_MS): Promise<Frame> {
    return this.until(() => {
      const at = this.frames.findIndex(match);
      return at < 0 ? undefined : this.frames.splice(at, 1)[0];
    }, what, timeoutMs);
  }

  /** Takes the first frame of `kind` (on `streamId`, when given). */
  takeKind(kind: number, streamId?: number, timeoutMs = WAIT_MS): Promise<Frame> {
    return this.take((f) => f.kind === kind && (streamId === undefined || f.streamId === streamId), `frame kind ${kind}${streamId === undefined ? '' : ` on stream ${streamId}`}`, timeoutMs);
  }

  /** Takes the first ERROR on `streamId` and returns its decoded body. */
  async takeError(streamId: number, timeoutMs = WAIT_MS): Promise<{ code: string; message: string; details?: unknown; declared?: boolean }> {
    return bodyOf(await this.takeKind(FrameKind.ERROR, streamId, timeoutMs)) as { code: string; message: string; details?: unknown; declared?: boolean };
  }

  /** Resolves once the other side closed the connection. */
  async closed(timeoutMs = WAIT_MS): Promise<void> {
    await this.until(() => (this.isClosed ? true : undefined), 'the connection to close', timeoutMs);
  }

  /** Waits until `probe` returns something other than undefined, looking again whenever bytes arrive. */
  until<T>(probe: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    return (async () => {
      for (;;) {
        const value = probe();
        if (value !== undefined) return value;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          this.waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    })();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** The decoded msgpack body of a frame. */
export function bodyOf(f: Frame): unknown {
  return decodeBody(f.body);
}

/** A caller's HELLO, with the given fields changed. */
export function clientHelloFrame(fields: Record<string, unknown> = {}): Buffer {
  return encodeFrame({ kind: FrameKind.HELLO, streamId: 0, body: encodeBody({ v: 1, role: 'client', maxFrameBytes: 1 << 20, windowBytes: 64 * 1024, ...fields }) });
}

/** A membrane's HELLO, with the given fields changed. */
export function serverHelloFrame(fields: Record<string, unknown> = {}): Buffer {
  return encodeFrame({
    kind: FrameKind.HELLO,
    streamId: 0,
    body: encodeBody({ v: 1, role: 'server', name: 'raw', version: '1.0.0', fingerprint: 'sha256:raw', replica: 'raw-0', pid: 1, maxFrameBytes: 1 << 20, windowBytes: 64 * 1024, ...fields }),
  });
}

/** Polls `predicate` every few ms until true, failing after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
