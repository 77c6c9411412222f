import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { type Author, createAuthor, npmTarballs, publishTree } from '@cell/publish';
import { loadOrCreateIdentity } from '../identity.ts';
import { NodeNetwork } from '../node-network.ts';
import { openBlockstore } from '../publication-announce.ts';
import { recordPublished } from '../publications.ts';
import { loopbackConfig, memoryLogger, quietLogger, tempDir, waitFor } from '../test-support/fixtures.ts';
import { type Donation, startDonation } from './donation.ts';
import { watchDonors } from './donor-advert.ts';
import { parseTrustPolicy } from './trust-policy.ts';

const PROBE_TREE = fileURLToPath(new URL('../../../../test/fixtures/probe-tree/', import.meta.url));
const GiB = 2 ** 30;

describe('a build quorum (cell publish --quorum): donors run a tree only once enough of them built the same bytes', () => {
  const dir = tempDir('cell-quorum-');
  let publisher: NodeNetwork;
  let author: Author;
  const publisherLog = memoryLogger();
  const donors: Array<{ donation: Donation; lines: () => Array<Record<string, unknown>> }> = [];

  /** Publishes the probe tree with `quorum`; the publisher's node re-announces it every 200 ms. */
  async function publish(quorum: number): Promise<string> {
    const store = join(dir.path, 'publisher', 'content');
    const blockstore = await openBlockstore(store);
    const r = await publishTree({ tree: loadCellTree(PROBE_TREE), author, blockstore, tarballs: npmTarballs(), quorum });
    await blockstore.close();
    const manifest = r.cid.toString();
    await recordPublished(store, { tree: r.manifest.tree.name, version: r.manifest.tree.version, author: author.record.key, manifest, cids: [manifest, ...r.cells.map((c) => c.bundle)] });
    return manifest;
  }

  beforeAll(async () => {
    chmodSync(dir.path, 0o711);
    author = await createAuthor({ home: join(dir.path, 'publisher'), name: 'Quorum Author', contact: 'q@example.org' });
    const config = loopbackConfig({ announceEveryMs: 200 });
    publisher = await NodeNetwork.start({ identity: await loadOrCreateIdentity(join(dir.path, 'publisher')), config, root: join(dir.path, 'pub-root'), log: quietLogger, localCells: () => [], storeDir: join(dir.path, 'publisher', 'content') });
    watchDonors(publisher.channel.bind(publisher), publisherLog.log, 5000);
    const p2p = publisher.status().p2p.find((a) => a.includes('127.0.0.1'))!;
    for (const name of ['d1', 'd2']) {
      const { log, lines } = memoryLogger();
      const donation = await startDonation({
        identity: await loadOrCreateIdentity(join(dir.path, `${name}-home`)),
        network: loopbackConfig({ bootstrap: [p2p], announceEveryMs: 200 }),
        dir: join(dir.path, name),
        offered: { cpu: 4, memoryBytes: 4 * GiB, storageBytes: 4 * GiB },
        trust: parseTrustPolicy(author.record.key),
        log,
        graceMs: 1000,
        quorumTimeoutMs: 8000,
      });
      donors.push({ donation, lines });
    }
  }, 60_000);

  afterAll(async () => {
    for (const d of donors) await d.donation.stop();
    await publisher?.stop();
    dir.remove();
  });

  it('places a tree asking for 2 on both donors once each heard the other built the same bytes', { timeout: 180_000 }, async () => {
    const manifest = await publish(2);
    for (const d of donors) {
      await waitFor(() => d.lines().find((l) => l['msg'] === 'tree placed' && l['manifest'] === manifest), 'the tree placed', 150_000);
      const placing = d.lines().findIndex((l) => l['msg'] === 'placing publication' && l['manifest'] === manifest);
      expect(placing).toBeGreaterThanOrEqual(0);
      expect(placing).toBeLessThan(d.lines().findIndex((l) => l['msg'] === 'tree placed' && l['manifest'] === manifest));
      const reached = d.lines().find((l) => l['msg'] === 'build quorum reached' && l['manifest'] === manifest)!;
      expect(reached['agreeing']).toEqual([donors.find((o) => o !== d)!.donation.network.identity.peerId]);
      expect(d.donation.donor.servedCells().map((c) => c.name)).toEqual(['probe']);
    }
  });

  it('hears every donor advertise its capacity and what it runs (signed adverts on the donors topic)', async () => {
    const [d1, d2] = donors.map((d) => d.donation);
    const heard = await waitFor(() => {
      const nodes = new Set(publisherLog.lines().filter((l) => l['msg'] === 'donor heard').map((l) => l['donor']));
      return nodes.size >= 2 ? nodes : undefined;
    }, 'the publisher to hear both donors');
    expect([...heard].sort()).toEqual([d1!.network.identity.peerId, d2!.network.identity.peerId].sort());
    const seen = await waitFor(() => d1!.donors.donors().find((a) => a.node === d2!.network.identity.peerId && a.placed.length === 1), 'd1 to hear what d2 runs');
    expect(seen.offered).toEqual({ cpu: 4, memoryBytes: 4 * GiB, storageBytes: 4 * GiB });
    expect(seen.free.cpu).toBe(2.5); // the probe cell's replica and the web cell's two hold 0.5 core each
    expect(seen.until).toBeNull();
  });

  it('refuses a tree asking for more donors than build it (CELL_E_QUORUM_NOT_REACHED), handing the capacity back', { timeout: 180_000 }, async () => {
    const manifest = await publish(3);
    for (const d of donors) {
      const refusal = await waitFor(() => d.lines().find((l) => l['msg'] === 'publication refused' && l['manifest'] === manifest), 'the refusal', 150_000);
      expect(refusal['code']).toBe('CELL_E_QUORUM_NOT_REACHED');
      // The earlier placement (quorum 2) keeps serving; nothing of the refused one runs.
      expect(d.donation.donor.status().map((s) => s.cid)).not.toContain(manifest);
      expect(d.donation.donor.servedCells().map((c) => c.name)).toEqual(['probe']);
    }
  });
});
