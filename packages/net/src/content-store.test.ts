import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unixfs } from '@helia/unixfs';
import { CID } from 'multiformats/cid';
import * as json from 'multiformats/codecs/json';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContentStore } from './content-store.ts';
import { loadOrCreateIdentity } from './identity.ts';
import { type P2pNode, startP2pNode } from './p2p-node.ts';
import { loopbackConfig, tempDir } from './test-support/fixtures.ts';

const text = (s: string) => new TextEncoder().encode(s);

function blockFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('ContentStore between two nodes (Helia on their own libp2p, loopback, stores on disk)', () => {
  const dir = tempDir('cell-content-');
  const nodes: P2pNode[] = [];
  let a: ContentStore;
  let b: ContentStore;
  let aNode: P2pNode;
  let bNode: P2pNode;
  let bundle: CID;

  beforeAll(async () => {
    const config = loopbackConfig({ discovery: ['dht'] });
    aNode = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'a')), config, { storeDir: join(dir.path, 'a', 'content') });
    nodes.push(aNode);
    bNode = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'b')), config, { storeDir: join(dir.path, 'b', 'content') });
    nodes.push(bNode);
    a = aNode.content;
    b = bNode.content;
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251);
    const entries = [
      { path: 'cell.toml', content: text('[cell]\nname = "x"\n') },
      { path: 'src/main.ts', content: text('console.log("hi")\n') },
      { path: 'bin/start.sh', content: text('#!/bin/sh\necho start\n'), mode: 0o755 },
      { path: 'data/big.bin', content: big },
    ];
    let root: CID | undefined;
    for await (const r of unixfs({ blockstore: a.blockstore }).addAll(entries, { wrapWithDirectory: true, profile: 'unixfs-v1-2025' })) {
      if (r.path === '') root = r.cid;
    }
    bundle = root!;
    await bNode.libp2p.dial(aNode.libp2p.getMultiaddrs()[0]!);
  });
  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    dir.remove();
  });

  it('fetches a whole directory from the other node by its CID: same bytes, executable bits kept', async () => {
    expect(await b.has(bundle)).toBe(false);
    const dest = join(dir.path, 'fetched');
    const got = await b.fetchDirectory(bundle, dest, { signal: AbortSignal.timeout(20_000) });
    expect(got).toEqual({ files: 4, bytes: 3 * 1024 * 1024 + '[cell]\nname = "x"\n'.length + 'console.log("hi")\n'.length + '#!/bin/sh\necho start\n'.length });
    expect(readFileSync(join(dest, 'src/main.ts'), 'utf8')).toBe('console.log("hi")\n');
    expect(readFileSync(join(dest, 'data/big.bin')).equals(Buffer.from(new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 7) % 251)))).toBe(true);
    expect(statSync(join(dest, 'bin/start.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(dest, 'cell.toml')).mode & 0o777).toBe(0o644);
    // Now stored on b: b can serve it too.
    expect(await b.has(bundle)).toBe(true);
  });

  it('round-trips a single block (a manifest) by CID', async () => {
    const bytes = json.encode({ hello: 'manifest' });
    const cid = CID.create(1, json.code, await sha256.digest(bytes));
    await a.put(cid, bytes);
    expect(Buffer.from(await b.get(cid, { signal: AbortSignal.timeout(20_000) })).equals(Buffer.from(bytes))).toBe(true);
  });

  it('asks again for a block its holder did not send when first asked (a lost want), and gets it', async () => {
    const bytes = json.encode({ lost: 'want' });
    const cid = CID.create(1, json.code, await sha256.digest(bytes));
    await a.put(cid, bytes);
    // The holder answers the first want as if it lacked the block, and nothing tells it to send it later:
    // the want is lost, as one dropped by a full send queue or a failed stream is.
    const holder = aNode.helia.blockstore;
    const has = holder.has.bind(holder);
    let asked = 0;
    holder.has = async (c, options) => (c.equals(cid) && ++asked === 1 ? false : has(c, options));
    try {
      const patient = await ContentStore.of(bNode.helia, { reaskAfterMs: 300 });
      const got = await patient.get(cid, { signal: AbortSignal.timeout(20_000) });
      expect(Buffer.from(got).equals(Buffer.from(bytes))).toBe(true);
      expect(asked).toBeGreaterThanOrEqual(2);
    } finally {
      delete (holder as Partial<typeof holder>).has;
    }
  });

  it('refuses a tampered block: the bytes a peer sends must hash to the CID asked for', async () => {
    const cid = CID.create(1, json.code, await sha256.digest(json.encode({ v: 'original' })));
    // The holder's store was altered on disk: under this CID it now has other bytes.
    await a.put(cid, json.encode({ v: 'tampered' }));
    const outcome = await b.get(cid, { signal: AbortSignal.timeout(3000) }).then(() => 'fetched', (err: { code?: string }) => err.code);
    expect(outcome).toBe('CELL_E_CONTENT_UNAVAILABLE');
    expect(await b.has(cid)).toBe(false);
  });

  it('refuses a directory with a tampered file block, storing none of its bytes', async () => {
    // A directory only a holds, one of whose files is then altered in a's store.
    let root: CID | undefined;
    let fileCid: CID | undefined;
    for await (const r of unixfs({ blockstore: a.blockstore }).addAll([{ path: 'only-on-a.ts', content: text('export const x = 1;\n') }], { wrapWithDirectory: true, profile: 'unixfs-v1-2025' })) {
      if (r.path === '') root = r.cid;
      else fileCid = r.cid;
    }
    // put() keeps a block it already has: alter the file on disk, as an attacker or a bad disk would.
    const onDisk = blockFiles(join(dir.path, 'a', 'content', 'blocks')).find((f) => readFileSync(f, 'utf8') === 'export const x = 1;\n');
    writeFileSync(onDisk!, 'export const x = 2;\n');
    const fresh = tempDir('cell-content-c-');
    const cNode = await startP2pNode(await loadOrCreateIdentity(join(fresh.path, 'c')), loopbackConfig({ discovery: ['dht'] }), { storeDir: join(fresh.path, 'content') });
    try {
      await cNode.libp2p.dial(aNode.libp2p.getMultiaddrs()[0]!);
      const c = cNode.content;
      const outcome = await c.fetchDirectory(root!, join(fresh.path, 'out'), { signal: AbortSignal.timeout(3000) }).then(() => 'fetched', (err: { code?: string }) => err.code);
      expect(outcome).toBe('CELL_E_CONTENT_UNAVAILABLE');
      expect(await c.has(root!)).toBe(true);
      expect(await c.has(fileCid!)).toBe(false);
    } finally {
      await cNode.stop();
      fresh.remove();
    }
  });

  it('refuses a fetch larger than its budget', async () => {
    const outcome = await b.fetchDirectory(bundle, join(dir.path, 'small'), { maxBytes: 1024 }).then(() => 'fetched', (err: { code?: string }) => err.code);
    expect(outcome).toBe('CELL_E_INVALID_ARGUMENT');
  });
});
