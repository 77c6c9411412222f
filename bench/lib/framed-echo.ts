// The raw baselines: Cell's framing and msgpackr over a plain socket (Unix, TCP or TLS) and
// nothing else — no handshake, validation, contexts or deadlines. What Cell costs is measured
// against these.
import type { Server, Socket } from 'node:net';
import { decodeBody, encodeBody, encodeFrame, FrameDecoder, FrameKind } from '@cell/protocol';
import type { BenchClient, Payload } from '../rpc/system.ts';

/** Same write coalescing as the SDK: frames of one tick leave in one `write`. */
export function coalescingWriter(write: (data: Buffer) => void): (frame: Buffer) => void {
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

/** Echoes every request frame back as a response, on each accepted socket. */
export function echoOn(socket: Socket): void {
  const send = coalescingWriter((data) => socket.write(data));
  const decoder = new FrameDecoder(16 << 20);
  socket.setNoDelay?.(true);
  socket.on('data', (chunk: Buffer) =>
    decoder.push(chunk, {
      frame: (f) => send(encodeFrame({ kind: FrameKind.RESPONSE, streamId: f.streamId, body: encodeBody(decodeBody(f.body)) })),
      oversize: () => socket.destroy(),
    }),
  );
  socket.on('error', () => socket.destroy());
}

/** Starts listening; resolves when it does. */
export function listening(server: Server, listen: (done: () => void) => void): Promise<void> {
  return new Promise((resolve) => listen(() => resolve()));
}

/** A client sending request frames on a connected socket and matching responses by stream id. */
export function framedClient(socket: Socket): BenchClient {
  socket.setNoDelay?.(true);
  const send = coalescingWriter((data) => socket.write(data));
  const pending = new Map<number, (v: unknown) => void>();
  const decoder = new FrameDecoder(16 << 20);
  let next = 1;
  socket.on('data', (chunk: Buffer) =>
    decoder.push(chunk, {
      frame: (f) => {
        const resolve = pending.get(f.streamId);
        pending.delete(f.streamId);
        resolve?.(decodeBody(f.body));
      },
      oversize: () => socket.destroy(),
    }),
  );
  return {
    call(input: Payload) {
      return new Promise((resolve) => {
        const id = next++;
        pending.set(id, resolve);
        send(encodeFrame({ kind: FrameKind.REQUEST, streamId: id, name: 'echo', body: encodeBody(input) }));
      });
    },
    async close() {
      socket.destroy();
    },
  };
}
