import { once } from 'node:events';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { redialBootstrap } from './bootstrap-redial.ts';
import type { ControlPlane } from './control-plane.ts';
import { loadOrCreateIdentity, type NodeIdentity } from './identity.ts';
import { type P2pNode, startP2pNode } from './p2p-node.ts';
import { loopbackConfig, tempDir, waitFor } from './test-support/fixtures.ts';

const EVERY_MS = 200;

/** A port nothing listens on right now: the OS picks it for a listener that is closed again. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  return port;
}

/** The real node as the redialler sees it, counting the dials it asks for. */
function countingDialer(node: ControlPlane): { p2p: Pick<ControlPlane, 'getPeers' | 'dial'>; dials: string[] } {
  const dials: string[] = [];
  return {
    dials,
    p2p: {
      getPeers: () => node.getPeers(),
      dial: (...args: Parameters<ControlPlane['dial']>) => {
        dials.push(String(args[0]));
        return node.dial(...args);
      },
    },
  };
}

const isConnectedTo = (node: P2pNode, peer: string) => node.libp2p.getPeers().some((p) => p.toString() === peer);

describe('redialBootstrap (real libp2p nodes on loopback)', () => {
  const dir = tempDir('cell-redial-');
  const teardown: Array<() => unknown> = [];
  let a: NodeIdentity;
  let b: NodeIdentity;
  let nobody: NodeIdentity;
  beforeAll(async () => {
    [a, b, nobody] = await Promise.all([loadOrCreateIdentity(join(dir.path, 'a')), loadOrCreateIdentity(join(dir.path, 'b')), loadOrCreateIdentity(join(dir.path, 'nobody'))]);
  });
  afterEach(async () => {
    for (const undo of teardown.splice(0).reverse()) await undo();
  });
  afterAll(() => dir.remove());

  /**
   * A second redialler on the same node and period, aimed at a port nothing listens on: its dials
   * are the test's clock. "N of its ticks passed" replaces sleeping for N periods.
   */
  async function metronome(node: P2pNode): Promise<{ ticks: () => number }> {
    const counter = countingDialer(node.libp2p);
    const stop = redialBootstrap(counter.p2p, [`/ip4/127.0.0.1/tcp/${await freePort()}/p2p/${nobody.peerId}`], EVERY_MS);
    teardown.push(stop);
    return { ticks: () => counter.dials.length };
  }
  const ticksPass = async (clock: { ticks: () => number }, n: number) => {
    const from = clock.ticks();
    await waitFor(() => (clock.ticks() >= from + n ? true : undefined), `${n} redial periods`, 10_000);
  };

  it('connects to a bootstrap peer that was down when the node started, then stops dialling once stopped', async () => {
    const port = await freePort();
    const addr = `/ip4/127.0.0.1/tcp/${port}/p2p/${a.peerId}`;
    // B starts first: its bootstrap discovery tries A once, while nothing listens there.
    const bNode = await startP2pNode(b, loopbackConfig({ discovery: [], bootstrap: [addr] }));
    teardown.push(() => bNode.stop());
    const clock = await metronome(bNode);
    const counter = countingDialer(bNode.libp2p);
    const stop = redialBootstrap(counter.p2p, [addr], EVERY_MS);
    teardown.push(stop);
    await waitFor(() => (counter.dials.length >= 2 ? true : undefined), 'dials while A is down', 10_000);
    expect(isConnectedTo(bNode, a.peerId)).toBe(false);

    const aNode = await startP2pNode(a, loopbackConfig({ discovery: [], p2p: { host: '127.0.0.1', port } }));
    teardown.push(() => aNode.stop());
    await waitFor(() => (isConnectedTo(bNode, a.peerId) ? true : undefined), 'B connected to A by redialling', 10_000);
    expect(counter.dials.every((d) => d === addr)).toBe(true);

    // Connected: a peer B already has is not dialled again.
    const whileConnected = counter.dials.length;
    await ticksPass(clock, 3);
    expect(isConnectedTo(bNode, a.peerId)).toBe(true);
    expect(counter.dials.length).toBeLessThanOrEqual(whileConnected + 1); // at most a tick already under way when the connection came up

    // Stopped, then disconnected: nothing dials A again.
    stop();
    const atStop = counter.dials.length;
    await bNode.libp2p.hangUp(aNode.libp2p.peerId);
    await ticksPass(clock, 3);
    expect(counter.dials.length).toBe(atStop);
  });

  it('returns a no-op for an empty list: nothing is ever dialled', async () => {
    const bNode = await startP2pNode(b, loopbackConfig({ discovery: [] }));
    teardown.push(() => bNode.stop());
    const clock = await metronome(bNode);
    const counter = countingDialer(bNode.libp2p);
    const stop = redialBootstrap(counter.p2p, [], EVERY_MS);
    await ticksPass(clock, 3);
    expect(counter.dials).toEqual([]);
    expect(stop()).toBeUndefined();
  });
});
