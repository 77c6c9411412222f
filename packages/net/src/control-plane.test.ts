import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { multiaddr } from '@multiformats/multiaddr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOUNCE_TOPIC, type ControlPlane, DHT_PROTOCOL } from './control-plane.ts';
import { loadOrCreateIdentity, type NodeIdentity } from './identity.ts';
import { type P2pNode, startP2pNode } from './p2p-node.ts';
import { loopbackConfig, tempDir, waitFor } from './test-support/fixtures.ts';

/** The TCP port of a node's first /ip4/127.0.0.1/tcp/<port> address. */
function tcpPort(node: ControlPlane): number {
  const addr = node.getMultiaddrs().map(String).find((a) => a.startsWith('/ip4/127.0.0.1/tcp/'));
  if (!addr) throw new Error(`no loopback TCP address among ${node.getMultiaddrs().map(String).join(', ')}`);
  return Number(addr.split('/')[4]);
}

/** Resolves with the socket error code when connecting to `port` fails, or 'connected'. */
function probe(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

describe('the control plane (libp2p created by the node\'s Helia)', () => {
  const dir = tempDir();
  const started: P2pNode[] = [];
  let a: NodeIdentity;
  let b: NodeIdentity;

  beforeAll(async () => {
    a = await loadOrCreateIdentity(join(dir.path, 'a'));
    b = await loadOrCreateIdentity(join(dir.path, 'b'));
  });
  afterAll(async () => {
    await Promise.all(started.map((n) => n.stop()));
    dir.remove();
  });

  const start = async (identity: NodeIdentity, overrides: Parameters<typeof loopbackConfig>[0] = {}) => {
    const node = await startP2pNode(identity, loopbackConfig(overrides));
    started.push(node);
    return node.libp2p;
  };

  it('runs libp2p under the node key, listening on the configured host with a port from the OS', async () => {
    const node = await start(a);
    expect(node.status).toBe('started');
    expect(node.peerId.toString()).toBe(a.peerId);
    const port = tcpPort(node);
    expect(port).toBeGreaterThan(0);
    expect(node.getMultiaddrs().every((m) => m.toString().startsWith('/ip4/127.0.0.1/'))).toBe(true);
    expect(await probe(port)).toBe('connected');
    // The DHT speaks the private protocol only, never the public IPFS one.
    expect(node.getProtocols()).toContain(DHT_PROTOCOL);
    expect(node.getProtocols().some((p) => p.startsWith('/ipfs/kad/'))).toBe(false);
  });

  it('dials a bootstrap peer by itself and sees its gossip subscription', async () => {
    const server = await start(b);
    server.services.pubsub.subscribe(ANNOUNCE_TOPIC);
    const address = `/ip4/127.0.0.1/tcp/${tcpPort(server)}/p2p/${b.peerId}`;
    const client = await start(await loadOrCreateIdentity(join(dir.path, 'c')), { bootstrap: [address] });
    await waitFor(() => (client.getPeers().some((p) => p.toString() === b.peerId) ? true : undefined), 'the bootstrap peer to be connected');
    await waitFor(
      () => (client.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).some((p) => p.toString() === b.peerId) ? true : undefined),
      'the peer subscription to the announce topic',
    );
    expect(await client.services.ping.ping(multiaddr(address))).toBeGreaterThanOrEqual(0);
  });

  it('stops cleanly and frees its port', async () => {
    const node = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'd')), loopbackConfig());
    started.push(node);
    const port = tcpPort(node.libp2p);
    await node.stop();
    expect(node.libp2p.status).toBe('stopped');
    expect(node.helia.status).toBe('stopped');
    expect(await probe(port)).toBe('ECONNREFUSED');
  });

  it('fails to start on an address it cannot bind', async () => {
    const holder = await start(await loadOrCreateIdentity(join(dir.path, 'e')));
    const port = tcpPort(holder);
    const outcome = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'f')), loopbackConfig({ p2p: { host: '127.0.0.1', port } })).then(
      (node) => (started.push(node), 'started'),
      (err: unknown) => err,
    );
    expect(outcome).toBeInstanceOf(Error);
  });
});
