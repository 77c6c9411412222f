import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { createAuthor, npmTarballs, publishTree } from '@cell/publish';
import { loadOrCreateIdentity } from '../identity.ts';
import { NodeNetwork } from '../node-network.ts';
import { openBlockstore } from '../publication-announce.ts';
import { recordPublished } from '../publications.ts';
import { loopbackConfig, memoryLogger, quietLogger, tempDir, waitFor } from '../test-support/fixtures.ts';
import { type Donation, startDonation } from './donation.ts';
import { parseTrustPolicy } from './trust-policy.ts';

const PROBE_TREE = fileURLToPath(new URL('../../../../test/fixtures/probe-tree/', import.meta.url));
const GiB = 2 ** 30;

/** Every block file under `dir` (a blockstore-fs directory). */
function blockFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile() && f.endsWith('.data'));
}

describe('a donor offered tampered content', () => {
  const dir = tempDir('cell-tampered-');
  const stops: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    dir.remove();
  });

  it('refuses the tree when the blocks the publisher holds do not hash to their CIDs (nothing of them is accepted), builds nothing, and names the sender', { timeout: 120_000 }, async () => {
    chmodSync(dir.path, 0o711);
    const store = join(dir.path, 'publisher', 'content');
    const author = await createAuthor({ home: join(dir.path, 'publisher'), name: 'Mallory', contact: 'm@example.org' });
    const blockstore = await openBlockstore(store);
    const r = await publishTree({ tree: loadCellTree(PROBE_TREE), author, blockstore, tarballs: npmTarballs() });
    await blockstore.close();
    // The publisher's disk now lies: every block but the signed manifest holds other bytes of the same size.
    let tampered = 0;
    for (const file of blockFiles(join(store, 'blocks'))) {
      const bytes = readFileSync(file);
      if (bytes.subarray(0, 10).toString() === '{"author":') continue;
      writeFileSync(file, randomBytes(bytes.length));
      tampered++;
    }
    expect(tampered).toBeGreaterThan(10);
    const manifest = r.cid.toString();
    await recordPublished(store, { tree: r.manifest.tree.name, version: r.manifest.tree.version, author: author.record.key, manifest, cids: [manifest, ...r.cells.map((c) => c.bundle)] });
    const publisherId = await loadOrCreateIdentity(join(dir.path, 'publisher'));
    const publisher = await NodeNetwork.start({ identity: publisherId, config: loopbackConfig({ announceEveryMs: 200 }), root: join(dir.path, 'pub-root'), log: quietLogger, localCells: () => [], storeDir: store });
    stops.push(() => publisher.stop());

    const { log, lines } = memoryLogger();
    const donation: Donation = await startDonation({
      identity: await loadOrCreateIdentity(join(dir.path, 'donor-home')),
      network: loopbackConfig({ bootstrap: [publisher.status().p2p.find((a) => a.includes('127.0.0.1'))!], announceEveryMs: 200 }),
      dir: join(dir.path, 'donor'),
      offered: { cpu: 4, memoryBytes: 4 * GiB, storageBytes: 4 * GiB },
      trust: parseTrustPolicy('any'),
      log,
      fetchTimeoutMs: 5000,
    });
    stops.push(() => donation.stop());

    const refusal = await waitFor(() => lines().find((l) => l['msg'] === 'publication refused' && l['manifest'] === manifest), 'the refusal', 60_000);
    expect(refusal['code']).toBe('CELL_E_CONTENT_UNAVAILABLE');
    expect(refusal['node']).toBe(publisherId.peerId);
    expect(lines().some((l) => l['msg'] === 'tree placed')).toBe(false);
    expect(donation.donor.servedCells()).toEqual([]);
    // Nothing half-fetched is left to be built from.
    const placements = join(dir.path, 'donor', 'placements');
    const leftovers = existsSync(placements) ? readdirSync(placements, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('main.ts')) : [];
    expect(leftovers).toEqual([]);
  });
});
