import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as json from 'multiformats/codecs/json';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateIdentity } from './identity.ts';
import { NodeNetwork } from './node-network.ts';
import { announcePublished, openBlockstore } from './publication-announce.ts';
import { recordPublished } from './publications.ts';
import { loopbackConfig, quietLogger, tempDir, waitFor } from './test-support/fixtures.ts';

describe('announcing publications (real nodes on loopback)', () => {
  const dir = tempDir('cell-announce-');
  let listener: NodeNetwork;
  let bootstrap: string;
  let manifest: CID;
  beforeAll(async () => {
    listener = await NodeNetwork.start({
      identity: await loadOrCreateIdentity(join(dir.path, 'listener')),
      config: loopbackConfig({ discovery: ['gossip', 'dht'], announceEveryMs: 300 }),
      root: join(dir.path, 'listener-tree'),
      log: quietLogger,
      localCells: () => [],
    });
    bootstrap = `${listener.status().p2p[0]!}/p2p/${listener.identity.peerId}`;
    const bytes = json.encode({ a: 'manifest' });
    manifest = CID.create(1, json.code, await sha256.digest(bytes));
  });
  afterAll(async () => {
    await listener.stop();
    dir.remove();
  });

  it('opens the block store under the content directory', async () => {
    const store = await openBlockstore(join(dir.path, 'content'));
    expect(existsSync(join(dir.path, 'content', 'blocks'))).toBe(true);
    expect(await store.has(manifest)).toBe(false);
  });

  it("reaches a node by gossip and leaves provider records in the DHT, as the publishing machine's node", async () => {
    const home = join(dir.path, 'publisher');
    const identity = await loadOrCreateIdentity(home);
    const published = { tree: 'shop', version: '1.0.0', author: '12D3KooWauthor', manifest: manifest.toString(), cids: [manifest.toString()] };
    const outcome = await announcePublished({ identity, config: loopbackConfig({ discovery: ['gossip', 'dht'], bootstrap: [bootstrap] }), storeDir: join(home, 'content'), published, timeoutMs: 15_000 });
    expect(outcome).toEqual({ peers: 1, notified: 1, provided: 1 });
    const seen = await waitFor(() => listener.publications().find((n) => n.manifest === manifest.toString()), 'the notice');
    expect(seen).toMatchObject({ tree: 'shop', version: '1.0.0', node: identity.peerId });
  });

  it('a running node re-announces what this machine published (published.json in its content directory)', async () => {
    const home = join(dir.path, 'runner');
    const identity = await loadOrCreateIdentity(home);
    const other = CID.create(1, json.code, await sha256.digest(json.encode({ b: 2 })));
    await recordPublished(join(home, 'content'), { tree: 'blog', version: '2.0.0', author: '12D3KooWauthor', manifest: other.toString(), cids: [other.toString()] });
    const runner = await NodeNetwork.start({ identity, config: loopbackConfig({ discovery: ['gossip'], bootstrap: [bootstrap], announceEveryMs: 300 }), root: join(dir.path, 'runner-tree'), log: quietLogger, localCells: () => [] });
    try {
      const seen = await waitFor(() => listener.publications().find((n) => n.manifest === other.toString()), 'the re-announced notice');
      expect(seen).toMatchObject({ tree: 'blog', node: identity.peerId });
    } finally {
      await runner.stop();
    }
  });
});
