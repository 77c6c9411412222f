import { existsSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toGenome } from '@cell/contract';
import { connect, defineContract, type Membrane, serve, Type, unary } from '@cell/sdk';
import { loadOrCreateIdentity, type NodeIdentity } from './identity.ts';
import { nodeContract } from './node-contract.ts';
import { type LocalServedCell, NodeNetwork } from './node-network.ts';
import { credentialsOf, loopbackConfig, quietLogger, tempDir, waitFor } from './test-support/fixtures.ts';

const stockContract = defineContract({
  name: 'stock',
  version: '1.2.0',
  methods: { reserve: unary({ input: Type.Object({ qty: Type.Integer() }), output: Type.Object({ left: Type.Integer() }) }) },
});
const STOCK_FINGERPRINT = toGenome(stockContract).fingerprint;

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code === 'ECONNREFUSED'));
  });
}

describe('NodeNetwork (two nodes in one process, on loopback)', () => {
  const dir = tempDir('cell-node-network-');
  const networks: NodeNetwork[] = [];
  let provider: NodeNetwork;
  let consumer: NodeNetwork;
  let providerId: NodeIdentity;
  let stock: Membrane<typeof stockContract>;
  /** What the provider serves; tests change it. */
  let served: LocalServedCell[] = [];

  beforeAll(async () => {
    providerId = await loadOrCreateIdentity(join(dir.path, 'provider-home'));
    // The cell replica the provider's directory points at: a real membrane on an axon.
    stock = await serve(stockContract, { reserve: ({ qty }) => ({ left: 100 - qty }) }, {
      socketPath: join(dir.path, 'provider', 'run', 'stock-0.sock'),
      axon: { host: '127.0.0.1', port: 0, credentials: credentialsOf(providerId), allowedKeys: 'any' },
    });
    served = [
      { name: 'stock', version: '1.2.0', fingerprint: STOCK_FINGERPRINT, ports: [stock.axonPort!] },
      // Listed, but no replica serves it yet: never announced nor offered.
      { name: 'mailer', version: '1.0.0', fingerprint: 'fp-mailer', ports: [] },
    ];
    provider = await NodeNetwork.start({ identity: providerId, config: loopbackConfig({ announceEveryMs: 500 }), root: join(dir.path, 'provider'), log: quietLogger, localCells: () => served });
    networks.push(provider);
    consumer = await NodeNetwork.start({
      identity: await loadOrCreateIdentity(join(dir.path, 'consumer-home')),
      config: loopbackConfig({ announceEveryMs: 500 }),
      root: join(dir.path, 'consumer'),
      log: quietLogger,
      localCells: () => [],
    });
    networks.push(consumer);
  });
  afterAll(async () => {
    await Promise.all(networks.map((n) => n.stop()));
    await stock?.stop({ graceMs: 0 });
    dir.remove();
  });

  const via = (pinned: boolean) => `axon://${pinned ? `${provider.identity.peerId}@` : ''}127.0.0.1:${provider.directoryPort}`;

  it('serves its directory on the listen address and on a Unix socket in the tree', async () => {
    expect(provider.directoryPort).toBeGreaterThan(0);
    expect(provider.directoryAddresses()).toEqual([`127.0.0.1:${provider.directoryPort}`]);
    expect(provider.identityFile).toBe(providerId.file);
    const local = connect(nodeContract, { socketPath: join(dir.path, 'provider', 'run', 'node.sock'), timeoutMs: 10_000 });
    try {
      // Only cells with a running replica are said to be served.
      expect(await local.info({})).toEqual({ node: providerId.peerId, cells: [{ name: 'stock', version: '1.2.0', fingerprint: STOCK_FINGERPRINT }] });
    } finally {
      await local.$close();
    }
  });

  it('resolves a cell at a static axon address, pinned or not, to the replicas the other node serves', async () => {
    const expected = [{ node: providerId.peerId, host: '127.0.0.1', port: stock.axonPort, version: '1.2.0', fingerprint: STOCK_FINGERPRINT }];
    expect(await consumer.resolve('stock', 1, via(true))).toEqual(expected);
    expect(await consumer.resolve('stock', null, via(false))).toEqual(expected);
  });

  it('resolves nothing for another major, a cell with no replica, or an unknown cell', async () => {
    expect(await consumer.resolve('stock', 2, via(true))).toEqual([]);
    expect(await consumer.resolve('mailer', 1, via(true))).toEqual([]);
    expect(await consumer.resolve('nothing', null, via(true))).toEqual([]);
  });

  it('resolves nothing from a directory that is not the pinned node', async () => {
    const impostor = await loadOrCreateIdentity(join(dir.path, 'impostor-home'));
    expect(await consumer.resolve('stock', 1, `axon://${impostor.peerId}@127.0.0.1:${provider.directoryPort}`)).toEqual([]);
  });

  it('refuses a malformed pinned key rather than trusting whatever answers', async () => {
    await expect(consumer.resolve('stock', 1, `axon://not-a-key@127.0.0.1:${provider.directoryPort}`)).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
    await expect(consumer.resolve('stock', 1, 'http://127.0.0.1:1')).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
  });

  it('fetches the genome a candidate serves, and undefined when nothing answers there', async () => {
    const [candidate] = await consumer.resolve('stock', 1, via(true));
    const genome = await consumer.genomeOf(candidate!);
    expect(genome).toMatchObject({ name: 'stock', version: '1.2.0', fingerprint: STOCK_FINGERPRINT });
    expect(Object.keys(genome!.methods)).toEqual(['reserve']);
    expect(await consumer.resolve('nothing', null, via(true))).toEqual([]);
    expect(await consumer.genomeOf({ ...candidate!, port: 1 })).toBeUndefined();
  });

  it('finds nothing by name alone while it knows no other node (no DHT configured)', async () => {
    expect(await consumer.resolve('stock', 1, null)).toEqual([]);
    expect(consumer.status().known).toEqual([]);
  });

  it('reports itself in status', () => {
    const s = provider.status();
    expect(s.node).toBe(providerId.peerId);
    expect(s.directory).toEqual([`127.0.0.1:${provider.directoryPort}`]);
    expect(s.p2p.length).toBeGreaterThan(0);
    for (const a of s.p2p) expect(a).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+/);
    expect(s.peers).toBe(0);
  });

  it('stops its directory, its socket and its control plane', async () => {
    const root = join(dir.path, 'short-lived');
    const network = await NodeNetwork.start({ identity: await loadOrCreateIdentity(join(dir.path, 'short-home')), config: loopbackConfig(), root, log: quietLogger, localCells: () => [] });
    const port = network.directoryPort;
    const p2pPort = Number(network.status().p2p[0]!.split('/')[4]);
    expect(await refused(port)).toBe(false);
    expect(existsSync(join(root, 'run', 'node.sock'))).toBe(true);
    await network.stop();
    expect(await refused(port)).toBe(true);
    expect(await refused(p2pPort)).toBe(true);
    expect(existsSync(join(root, 'run', 'node.sock'))).toBe(false);
  });
});

describe('NodeNetwork (found by name through a bootstrap peer)', () => {
  const dir = tempDir('cell-node-network-');
  const networks: NodeNetwork[] = [];

  afterAll(async () => {
    await Promise.all(networks.map((n) => n.stop()));
    dir.remove();
  });

  it('learns what a bootstrap peer serves and resolves the cell without any address', async () => {
    const served: LocalServedCell[] = [{ name: 'stock', version: '1.0.0', fingerprint: 'fp-stock', ports: [45678] }];
    const provider = await NodeNetwork.start({
      identity: await loadOrCreateIdentity(join(dir.path, 'provider-home')),
      config: loopbackConfig({ announceEveryMs: 500 }),
      root: join(dir.path, 'provider'),
      log: quietLogger,
      localCells: () => served,
    });
    networks.push(provider);
    const bootstrap = `${provider.status().p2p[0]!.replace(/\/p2p\/.*$/, '')}/p2p/${provider.identity.peerId}`;
    const consumer = await NodeNetwork.start({
      identity: await loadOrCreateIdentity(join(dir.path, 'consumer-home')),
      config: loopbackConfig({ announceEveryMs: 500, bootstrap: [bootstrap] }),
      root: join(dir.path, 'consumer'),
      log: quietLogger,
      localCells: () => [],
    });
    networks.push(consumer);
    const known = await waitFor(() => consumer.status().known.find((k) => k.node === provider.identity.peerId), 'the consumer to learn the provider', 20_000);
    expect(known.cells).toEqual(['stock@1.0.0']);
    expect(['node-info', 'gossip']).toContain(known.via);
    const candidates = await waitFor(async () => {
      const found = await consumer.resolve('stock', 1, null);
      return found.length > 0 ? found : undefined;
    }, 'stock to resolve by name', 20_000);
    expect(candidates).toEqual([{ node: provider.identity.peerId, host: '127.0.0.1', port: 45678, version: '1.0.0', fingerprint: 'fp-stock' }]);
  });
});
