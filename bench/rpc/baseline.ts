// The baseline: node:net over a Unix socket with Cell's framing and msgpackr, and nothing else —
// no handshake, validation, contexts or deadlines. What the SDK costs is measured against this.
import { connect as netConnect, createServer, type Socket } from 'node:net';
import { decodeBody, encodeBody, encodeFrame, FrameDecoder, FrameKind } from '@cell/protocol';
import type { BenchClient, Payload, RpcSystem } from './system.ts';

/** Same write coalescing as the SDK: frames of one tick leave in one write. */
function writer(socket: Socket): (frame: Buffer) => void {
  let queue: Buffer[] = [];
  const flush = () => {
    const q = queue;
    queue = [];
    socket.write(q.length === 1 ? q[0]! : Buffer.concat(q));
  };
  return (frame) => {
    if (queue.push(frame) === 1) process.nextTick(flush);
  };
}

export const baseline: RpcSystem = {
  async serve(path) {
    const server = createServer((socket) => {
      const send = writer(socket);
      const decoder = new FrameDecoder(16 << 20);
      socket.on('data', (chunk: Buffer) =>
        decoder.push(chunk, {
          frame: (f) => send(encodeFrame({ kind: FrameKind.RESPONSE, streamId: f.streamId, body: encodeBody(decodeBody(f.body)) })),
          oversize: () => socket.destroy(),
        }),
      );
      socket.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
  },
  async connect(path): Promise<BenchClient> {
    const socket = netConnect(path);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const send = writer(socket);
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
  },
};
