// The alternative data plane the issue names: a libp2p stream (TCP + Noise + Yamux) carrying
// Cell's framing. Measured beside pinned TLS to choose the axon's transport by numbers.
import { noise } from '@libp2p/noise';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import { createLibp2p } from 'libp2p';
import { multiaddr } from '@multiformats/multiaddr';
import { peerIdFromString } from '@libp2p/peer-id';
import { callerOver, echoChunks } from '../lib/framed-echo.ts';
import { loadOrCreateIdentity } from '@cell/net';
import type { BenchClient, RpcSystem } from '../rpc/system.ts';
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
      const onChunk = echoChunks({ write: (data) => stream.send(data), abort: () => stream.abort(new Error('oversize')) });
      for await (const chunk of stream) onChunk(Buffer.from(chunk.subarray()));
    });
  },
  async connect(address): Promise<BenchClient> {
    const { host, port } = hostPort(address);
    const serverId = await loadOrCreateIdentity(identityDir('BENCH_SERVER_IDENTITY'));
    const client = await node(identityDir('BENCH_CLIENT_IDENTITY'), []);
    const stream = await client.dialProtocol(multiaddr(`/ip4/${host}/tcp/${port}/p2p/${peerIdFromString(serverId.peerId).toString()}`), PROTOCOL);
    const { client: caller, onChunk } = callerOver({ write: (data) => stream.send(data), abort: () => stream.abort(new Error('oversize')) }, async () => void (await client.stop()));
    void (async () => {
      for await (const chunk of stream) onChunk(Buffer.from(chunk.subarray()));
    })();
    return caller;
  },
};
