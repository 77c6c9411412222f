import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { Gauge, Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from './identity.ts';
import { contentDir, reaskLog, startP2pNode } from './p2p-node.ts';
import { loopbackConfig, memoryLogger, tempDir } from './test-support/fixtures.ts';

describe('reaskLog', () => {
  it('says, as a warning under net.content, which block was asked for again and how often', async () => {
    const { log, lines } = memoryLogger();
    const cid = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('lost')));
    reaskLog(log)!(cid, 2);
    expect(lines()).toMatchObject([{ level: 'warn', component: 'net.content', cid: cid.toString(), asks: 2, msg: 'asking again for a block nobody answered' }]);
    expect(reaskLog(undefined)).toBeUndefined();
  });
});

describe('startP2pNode', () => {
  const dir = tempDir();
  afterAll(() => dir.remove());

  it("keeps content on disk under the node's home, across restarts, with one libp2p under the node key", async () => {
    const home = join(dir.path, 'home');
    const identity = await loadOrCreateIdentity(home);
    const bytes = new TextEncoder().encode('kept');
    const cid = CID.create(1, raw.code, await sha256.digest(bytes));
    const first = await startP2pNode(identity, loopbackConfig(), { storeDir: contentDir(home) });
    expect(first.libp2p.peerId.toString()).toBe(identity.peerId);
    await first.content.put(cid, bytes);
    await first.stop();
    const second = await startP2pNode(identity, loopbackConfig(), { storeDir: contentDir(home) });
    try {
      expect(await second.content.has(cid)).toBe(true);
      expect(new TextDecoder().decode(await second.content.get(cid))).toBe('kept');
    } finally {
      await second.stop();
    }
  });

  it('keeps nothing on disk without a store directory', async () => {
    const identity = await loadOrCreateIdentity(join(dir.path, 'mem'));
    const node = await startP2pNode(identity, loopbackConfig());
    try {
      expect(node.helia.status).toBe('started');
    } finally {
      await node.stop();
    }
  });

  it("adds libp2p's metrics to a given registry, beside what it held, and counts a connection's bytes", async () => {
    const registry = new Registry();
    new Gauge({ name: 'cell_tree_series', help: 'a series the tree registered first', registers: [registry] }).set(7);
    const counted = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'counted')), loopbackConfig(), { metricsRegistry: registry });
    const other = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'other')), loopbackConfig());
    try {
      await counted.libp2p.dial(other.libp2p.getMultiaddrs()[0]!);
      await counted.libp2p.services.ping.ping(other.libp2p.peerId);
      const text = await registry.metrics();
      expect(text).toContain('cell_tree_series 7');
      expect(text).toMatch(/^libp2p_connection_manager_connections\{libp2p_connection_manager_connections="outbound"\} 1$/m);
      expect(text).toMatch(/^libp2p_data_transfer_bytes_total\{protocol="global sent"\} [1-9]/m);
      expect(text).not.toContain('process_cpu'); // no second set of process metrics
    } finally {
      await Promise.all([counted.stop(), other.stop()]);
    }
  });
});
