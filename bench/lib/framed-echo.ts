// The raw baselines: Cell's framing and msgpackr over a plain socket (Unix, TCP or TLS) and
// nothing else — no handshake, validation, contexts or deadlines. What Cell costs is measured
// against these.
import type { Server, Socket } from 'node:net';
import { decodeBody, encodeBody, encodeFrame, type Frame, FrameDecoder, FrameKind } from '@cell/protocol';
import type { BenchClient, Payload } from '../rpc/system.ts';

/** A byte pipe the raw baselines speak over: a socket or a libp2p stream. */
export interface BytePipe {
  write(data: Buffer): void;
  /** Drops the pipe (the peer sent an oversized frame). */
  abort(): void;
}

/** Same write coalescing as the SDK: frames of one tick leave in one `write`. */
function coalescingWriter(write: (data: Buffer) => void): (frame: Buffer) => void {
  let queue: Buffer[] = [];
  const flush = () => {
    const q = queue;
    queue = [];
    write(q.length === 1 ? q[0]! : Buffer.concat(q));
  };
  return (frame) => {
    if (queue.push(frame) === 1) process.nextTick(flush);
  };
}

/** The serving side: feed it received chunks; it echoes every request frame back as a response. */
export function echoChunks(pipe: BytePipe): (chunk: Buffer) => void {
  const send = coalescingWriter((data) => pipe.write(data));
  const decoder = new FrameDecoder(16 << 20);
  const handlers = {
    frame: (f: Frame) => send(encodeFrame({ kind: FrameKind.RESPONSE, streamId: f.streamId, body: encodeBody(decodeBody(f.body)) })),
    oversize: () => pipe.abort(),
  };
  return (chunk) => decoder.push(chunk, handlers);
}

/** The calling side: request frames out, responses matched by stream id from the chunks fed in. */
export function callerOver(pipe: BytePipe, close: () => Promise<void>): { client: BenchClient; onChunk: (chunk: Buffer) => void } {
  const send = coalescingWriter((data) => pipe.write(data));
  const pending = new Map<number, (v: unknown) => void>();
  const decoder = new FrameDecoder(16 << 20);
  let next = 1;
  const handlers = {
    frame: (f: Frame) => {
      const resolve = pending.get(f.streamId);
      pending.delete(f.streamId);
      resolve?.(decodeBody(f.body));
    },
    oversize: () => pipe.abort(),
  };
  const client: BenchClient = {
    call(input: Payload) {
      return new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        send(encodeFrame({ kind: FrameKind.REQUEST, streamId: id, name: 'echo', body: encodeBody(input) }));
      });
    },
    close,
  };
  return { client, onChunk: (chunk) => decoder.push(chunk, handlers) };
}

function socketPipe(socket: Socket): BytePipe {
  socket.setNoDelay?.(true);
  return { write: (data) => socket.write(data), abort: () => socket.destroy() };
}

/** Echoes every request frame back as a response, on each accepted socket. */
export function echoOn(socket: Socket): void {
  socket.on('data', echoChunks(socketPipe(socket)));
  socket.on('error', () => socket.destroy());
}

/** Starts listening; resolves when it does. */
export function listening(server: Server, listen: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => listen(() => resolve()));
}

/** A client sending request frames on a connected socket and matching responses by stream id. */
export function framedClient(socket: Socket): BenchClient {
  const { client, onChunk } = callerOver(socketPipe(socket), async () => void socket.destroy());
  socket.on('data', onChunk);
  return client;
}
