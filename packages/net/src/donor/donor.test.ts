import { chmodSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CID } from 'multiformats/cid';
import * as json from 'multiformats/codecs/json';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Author, createAuthor, encodeManifest, type Manifest, type PublishResult } from '@cell/publish';
import { type CapsidHost, createCapsidHost } from '@cell/runtime';
import { loadOrCreateIdentity, type NodeIdentity } from '../identity.ts';
import { type P2pNode, startP2pNode } from '../p2p-node.ts';
import { credentialsOf, loopbackConfig, memoryLogger, tempDir } from '../test-support/fixtures.ts';
import { publishTestTree, writeShopTree } from '../test-support/published-tree.ts';
import { Donor, type DonorContent, type OfferOutcome } from './donor.ts';
import { type Capacity, DonorCapacity } from './donor-capacity.ts';
import { TreePlacement } from './tree-placement.ts';
import { parseTrustPolicy } from './trust-policy.ts';

const GiB = 2 ** 30;
/** Less CPU than any tree asks for (each cell counts at least 0.5 core): every placement is refused before it is built. */
const SMALL: Capacity = { cpu: 0.25, memoryBytes: 4 * GiB, storageBytes: 16 * GiB };

/** Rejects when `promise` takes longer than `ms` (an offer must not wait on the network to refuse). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The refusal code of an outcome (`placed` when it was placed: never expected here). */
const codeOf = (outcome: OfferOutcome): string => (outcome.placed ? 'placed' : outcome.code);

/** The node's real content store, counting the manifests and bundles the donor asks it for. */
function countingContent(node: P2pNode): { content: DonorContent; gets: string[]; directories: string[] } {
  const gets: string[] = [];
  const directories: string[] = [];
  return {
    gets,
    directories,
    content: {
      get: (cid, options) => {
        gets.push(cid.toString());
        return node.content.get(cid, options);
      },
      fetchDirectory: (cid, dest, options) => {
        directories.push(cid.toString());
        return node.content.fetchDirectory(cid, dest, options);
      },
    },
  };
}

describe('Donor refusing publications (a real node store, a real capsid host; nothing gets built)', () => {
  const dir = tempDir('cell-donor-');
  let node: P2pNode;
  let identity: NodeIdentity;
  let capsids: CapsidHost;
  let ada: Author;
  let grace: Author;
  /** The shop tree published by ada, and the same tree published by grace. */
  let byAda: PublishResult;
  let byGrace: PublishResult;
  /** A manifest CID stored nowhere: fetching it would wait for the whole fetch timeout. */
  let nowhere: string;
  let donors = 0;

  beforeAll(async () => {
    // The sandbox uid must pass through the capsids' parent directory.
    chmodSync(dir.path, 0o711);
    capsids = createCapsidHost({ root: join(dir.path, 'capsids') });
    identity = await loadOrCreateIdentity(join(dir.path, 'node'));
    node = await startP2pNode(identity, loopbackConfig({ discovery: [] }), { storeDir: join(dir.path, 'content') });
    [ada, grace] = await Promise.all([
      createAuthor({ home: join(dir.path, 'ada'), name: 'Ada', contact: 'ada@example.org' }),
      createAuthor({ home: join(dir.path, 'grace'), name: 'Grace', contact: 'grace@example.org' }),
    ]);
    writeShopTree(join(dir.path, 'shop'));
    byAda = await publishTestTree(join(dir.path, 'shop'), ada, node.content.blockstore);
    byGrace = await publishTestTree(join(dir.path, 'shop'), grace, node.content.blockstore);
    nowhere = CID.create(1, json.code, await sha256.digest(json.encode({ stored: 'nowhere' }))).toString();
  });
  afterAll(async () => {
    await node?.stop();
    capsids?.close();
    dir.remove();
  });

  /** A donor trusting ada only, offering `offered`, with its own placement root and log. */
  function makeDonor(offered: Capacity = SMALL, processCellsRefusal?: () => string | undefined) {
    const counted = countingContent(node);
    const logger = memoryLogger();
    const capacity = new DonorCapacity(offered);
    const root = join(dir.path, `placements-${++donors}`);
    const donor = new Donor({
      capsids,
      content: counted.content,
      credentials: credentialsOf(identity),
      relayHost: '127.0.0.1',
      allowedKeys: 'any',
      log: logger.log,
      capacity,
      trust: parseTrustPolicy(ada.record.key),
      root,
      // Long: an offer that fetched what exists nowhere would hang far past the test's bound.
      fetchTimeoutMs: 60_000,
      graceMs: 100,
      processCellsRefusal,
    });
    const refusals = (cid: string) => logger.lines().filter((l) => l['component'] === 'net.donor' && l['manifest'] === cid && l['code'] !== undefined);
    return { donor, capacity, root, refusals, ...counted };
  }

  /** ada's manifest with a field changed after signing, re-encoded so its CID matches the altered bytes; stored. */
  async function tampered(version: string): Promise<string> {
    const altered: Manifest = { ...byAda.manifest, tree: { ...byAda.manifest.tree, version } };
    const { bytes, cid } = await encodeManifest(altered);
    await node.content.put(cid, bytes);
    return cid.toString();
  }

  it('refuses a tree with process cells it cannot run (not root) before fetching a bundle or reserving anything', async () => {
    writeShopTree(join(dir.path, 'with-db'), { 'cells/db/cell.toml': '[cell]\nname = "db"\nversion = "1.0.0"\nrun = ["python3", "-m", "http.server", "${PORT}"]\nports = ["http"]\n' });
    const withDb = await publishTestTree(join(dir.path, 'with-db'), ada, node.content.blockstore);
    const { donor, capacity, directories } = makeDonor({ cpu: 8, memoryBytes: 8 * GiB, storageBytes: 16 * GiB }, () => 'not root');
    const outcome = await donor.offer({ manifest: withDb.cid.toString(), author: ada.record.key });
    expect(outcome).toMatchObject({ placed: false, code: 'CELL_E_CAPSID_UNAVAILABLE', message: expect.stringContaining('tree shop has process cells (db) this donor cannot run: not root') });
    expect(directories).toEqual([]);
    expect(capacity.free().cpu).toBe(8);
  });

  it('refuses an author the policy does not allow (CELL_E_UNTRUSTED_AUTHOR) before fetching anything', async () => {
    const { donor, gets, directories } = makeDonor();
    const outcome = await within(donor.offer({ manifest: nowhere, author: grace.record.key }), 5000, 'the refusal');
    expect(outcome).toMatchObject({ placed: false, cid: nowhere, code: 'CELL_E_UNTRUSTED_AUTHOR' });
    expect(gets).toEqual([]);
    expect(directories).toEqual([]);
  });

  it("checks the manifest's own author, not the notice's claim: a tree by grace announced as ada's is refused", async () => {
    const { donor, gets, directories } = makeDonor();
    const outcome = await donor.offer({ manifest: byGrace.cid.toString(), author: ada.record.key });
    expect(outcome).toMatchObject({ placed: false, code: 'CELL_E_UNTRUSTED_AUTHOR' });
    expect(gets).toEqual([byGrace.cid.toString()]);
    expect(directories).toEqual([]);
  });

  it('refuses a tampered manifest (CELL_E_MANIFEST_INVALID); after 3 from one node, ignores that node (CELL_E_DENIED) without fetching', async () => {
    const { donor, gets, directories } = makeDonor();
    const bad = await Promise.all(['6.6.1', '6.6.2', '6.6.3'].map(tampered));
    const liar = 'node-that-sends-tampered-manifests';
    for (const [i, cid] of bad.entries()) {
      expect(donor.isSuspect(liar)).toBe(false);
      const outcome = await donor.offer({ manifest: cid, author: ada.record.key, node: liar });
      expect(outcome, `offer ${i + 1}`).toMatchObject({ placed: false, cid, code: 'CELL_E_MANIFEST_INVALID' });
    }
    expect(donor.isSuspect(liar)).toBe(true);
    expect(gets).toEqual(bad);

    // Even a genuine manifest is not fetched when that node announces it.
    const denied = await donor.offer({ manifest: byAda.cid.toString(), author: ada.record.key, node: liar });
    expect(denied).toMatchObject({ placed: false, code: 'CELL_E_DENIED' });
    expect(gets).toEqual(bad);
    expect(directories).toEqual([]);

    // Another node, and a notice naming no node, are still heard.
    const other = await donor.offer({ manifest: bad[0]!, author: ada.record.key, node: 'an-honest-node' });
    expect(codeOf(other)).toBe('CELL_E_MANIFEST_INVALID');
    expect(donor.isSuspect('an-honest-node')).toBe(false);
    expect(codeOf(await donor.offer({ manifest: bad[1]!, author: ada.record.key }))).toBe('CELL_E_MANIFEST_INVALID');
  });

  it('refuses a valid tree that needs more than the donor offers (CELL_E_CAPACITY), holding nothing afterwards', async () => {
    const { donor, capacity, root, gets, directories } = makeDonor();
    const cid = byAda.cid.toString();
    const outcome = await donor.offer({ manifest: cid, author: ada.record.key });
    expect(outcome).toMatchObject({ placed: false, cid, code: 'CELL_E_CAPACITY' });
    expect(capacity.free()).toEqual(capacity.offered);
    expect(capacity.used()).toEqual({ cpu: 0, memoryBytes: 0, storageBytes: 0 });
    // The manifest was read; no bundle was fetched and no placement directory made.
    expect(gets).toEqual([cid]);
    expect(directories).toEqual([]);
    expect(existsSync(join(root, TreePlacement.dirName(cid)))).toBe(false);
    expect(donor.status()).toEqual([]);
    expect(donor.servedCells()).toEqual([]);
  });

  it('runs one attempt for the same manifest offered twice at once (both get its outcome); a later offer tries again', async () => {
    const { donor, gets, refusals } = makeDonor();
    const cid = byAda.cid.toString();
    const notice = { manifest: cid, author: ada.record.key };
    const [first, second] = await Promise.all([donor.offer(notice), donor.offer(notice)]);
    expect(first).toMatchObject({ placed: false, code: 'CELL_E_CAPACITY' });
    expect(second).toEqual(first);
    expect(gets).toEqual([cid]);
    expect(refusals(cid).map((l) => l['code'])).toEqual(['CELL_E_CAPACITY']);

    expect(codeOf(await donor.offer(notice))).toBe('CELL_E_CAPACITY');
    expect(gets).toEqual([cid, cid]);
    expect(refusals(cid)).toHaveLength(2);
  });

  it('drains with nothing placed, waiting for offers under way; refuses offers afterwards (CELL_E_UNAVAILABLE)', async () => {
    const { donor, gets } = makeDonor();
    const settled: OfferOutcome[] = [];
    const underWay = donor.offer({ manifest: byAda.cid.toString(), author: ada.record.key }).then((o) => void settled.push(o));
    await donor.drain();
    expect(settled.map(codeOf)).toEqual(['CELL_E_CAPACITY']);
    await underWay;
    const after = await donor.offer({ manifest: byAda.cid.toString(), author: ada.record.key });
    expect(after).toMatchObject({ placed: false, code: 'CELL_E_UNAVAILABLE' });
    expect(gets).toEqual([byAda.cid.toString()]);
    await expect(donor.drain()).resolves.toBeUndefined();
  });
});
