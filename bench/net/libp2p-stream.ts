// The alternative data plane the issue names: a libp2p stream (TCP + Noise + Yamux) carrying
// Cell's framing. Measured beside pinned TLS to choose the axon's transport by numbers.
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { decodeBody, encodeBody, encodeFrame, FrameDecoder, FrameKind } from '@cell/protocol';
import { coalescingWriter } from '../lib/framed-echo.ts';
import { loadOrCreateIdentity } from '@cell/net';
import type { BenchClient, Payload, RpcSystem } from '../rpc/system.ts';
import { hostPort } from './addresses.ts';

const PROTOCOL = '/cell/bench-echo/1.0.0';

async function node(identityDir: string, listen: string[]) {
  const identity = await loadOrCreateIdentity(identityDir);
  return createLibp2p({
    privateKey: identity.privateKey,
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  });
}

function identityDir(variable: string): string {
  const file = process.env[variable];
  if (!file) throw new Error(`${variable} must name a node identity file`);
  return file.replace(/\/identity\.json$/, '');
}

export const libp2pStream: RpcSystem = {
  async serve(address) {
    const { host, port } = hostPort(address);
    const server = await node(identityDir('BENCH_SERVER_IDENTITY'), [`/ip4/${host}/tcp/${port}`]);
    await server.handle(PROTOCOL, async (stream) => {
      const send = coalescingWriter((data) => stream.send(data));
      const decoder = new FrameDecoder(16 << 20);
      for await (const chunk of stream) {
        decoder.push(Buffer.from(chunk.subarray()), {
          frame: (f) => send(encodeFrame({ kind: FrameKind.RESPONSE, streamId: f.streamId, body: encodeBody(decodeBody(f.body)) })),
          oversize: () => stream.abort(new Error('oversize')),
        });
      }
    });
  },
  async connect(address): Promise<BenchClient> {
    const { host, port } = hostPort(address);
    const serverId = await loadOrCreateIdentity(identityDir('BENCH_SERVER_IDENTITY'));
    const client = await node(identityDir('BENCH_CLIENT_IDENTITY'), []);
    const stream = await client.dialProtocol(multiaddr(`/ip4/${host}/tcp/${port}/p2p/${peerIdFromString(serverId.peerId).toString()}`), PROTOCOL);
    const send = coalescingWriter((data) => stream.send(data));
    const pending = new Map<number, (v: unknown) => void>();
    const decoder = new FrameDecoder(16 << 20);
    let next = 1;
    void (async () => {
      for await (const chunk of stream) {
        decoder.push(Buffer.from(chunk.subarray()), {
          frame: (f) => {
            const resolve = pending.get(f.streamId);
            pending.delete(f.streamId);
            resolve?.(decodeBody(f.body));
          },
          oversize: () => stream.abort(new Error('oversize')),
        });
      }
    })();
    return {
      call(input: Payload) {
        return new Promise((resolve) => {
          const id = next++;
          pending.set(id, resolve);
          send(encodeFrame({ kind: FrameKind.REQUEST, streamId: id, name: 'echo', body: encodeBody(input) }));
        });
      },
      async close() {
        await client.stop();
      },
    };
  },
};
