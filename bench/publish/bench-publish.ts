// `npm run bench -- --only publish`: how long `cell publish` takes on the demo tree, and how fast a
// bundle travels between two nodes (Helia/bitswap over the nodes' libp2p) against a raw TLS copy
// of the same bytes, in the same run. Both nodes run in this process on loopback.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { connect as tlsConnect, createServer as tlsServer } from 'node:tls';
import { unixfs } from '@helia/unixfs';
import type { CID } from 'multiformats/cid';
import { loadCellTree, type NetworkConfig } from '@cell/config';
import { loadOrCreateIdentity, openBlockstore, type P2pNode, startP2pNode } from '@cell/net';
import { createAuthor, loadAuthor, npmTarballs, planBundle, publishTree } from '@cell/publish';
import { median, round } from '../lib/stats.ts';

export interface PublishBenchOptions {
  rounds: number;
  log: (line: string) => void;
}

const SHOP = new URL('../../examples/shop/', import.meta.url).pathname;
const loopback = { listen: { host: '127.0.0.1', port: 0 }, p2p: { host: '127.0.0.1', port: 0 }, bootstrap: [], discovery: [], trustedKeys: [], allowedKeys: [], announceEveryMs: 60_000 } as unknown as NetworkConfig;

/** Raw baseline for publishing: the same bundle bytes written as plain files (no hashing, no blocks). */
async function rawCopy(dest: string): Promise<number> {
  const tree = loadCellTree(SHOP);
  const started = performance.now();
  const packed = new Map<string, Promise<Uint8Array>>();
  const tarballs = npmTarballs();
  for (const node of tree.nodes) {
    const plan = await planBundle({ cell: node.name, cellDir: node.dir, treeRoot: tree.root.dir, exclude: tree.nodes.filter((n) => n !== node && n.dir.startsWith(`${node.dir}/`)).map((n) => n.dir), tarballs, packed });
    for (const e of plan.entries) {
      const file = join(dest, node.name, e.path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, await e.load());
    }
  }
  return performance.now() - started;
}

async function publishShop(home: string, state: 'cold' | 'warm'): Promise<number> {
  const author = state === 'cold' ? await createAuthor({ home, name: 'Bench', contact: 'bench@example.org' }) : loadAuthor(home);
  const blockstore = await openBlockstore(join(home, 'content'));
  const started = performance.now();
  await publishTree({ tree: loadCellTree(SHOP), author, blockstore, tarballs: npmTarballs() });
  return performance.now() - started;
}

/** Receives `total` bytes over TLS 1.3 (the axon's key and certificate) from a server on loopback, into a file. */
async function tlsCopy(bytes: Buffer, credentials: { keyPem: string; certPem: string }, dest: string): Promise<number> {
  const server = tlsServer({ key: credentials.keyPem, cert: credentials.certPem, minVersion: 'TLSv1.3' }, (socket) => socket.end(bytes));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const started = performance.now();
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  writeFileSync(dest, Buffer.concat(chunks));
  const ms = performance.now() - started;
  await new Promise((r) => server.close(r));
  return ms;
}

export async function benchPublish(options: PublishBenchOptions): Promise<Record<string, unknown>> {
  const { log } = options;
  const work = mkdtempSync(join(tmpdir(), 'cell-bench-publish-'));
  const nodes: P2pNode[] = [];
  try {
    log('publish: the demo tree (examples/shop), cold and unchanged');
    const cold: number[] = [];
    const warm: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const home = join(work, `home-${i}`);
      cold.push(await publishShop(home, 'cold'));
      warm.push(await publishShop(home, 'warm'));
      raw.push(await rawCopy(join(work, `raw-${i}`)));
    }
    rmSync(join(SHOP, '.cell', 'published.json'), { force: true });

    log('publish: bundle fetch between two nodes vs raw TLS');
    const holderId = await loadOrCreateIdentity(join(work, 'holder'));
    const holder = await startP2pNode(holderId, loopback, { storeDir: join(work, 'holder', 'content') });
    nodes.push(holder);
    const files = Array.from({ length: 64 }, (_, i) => ({ path: `data/f${String(i).padStart(2, '0')}.bin`, content: randomBytes(512 * 1024) }));
    const total = Buffer.concat(files.map((f) => f.content));
    let bundle: CID | undefined;
    for await (const r of unixfs({ blockstore: holder.content.blockstore }).addAll(files, { wrapWithDirectory: true, profile: 'unixfs-v1-2025' })) if (r.path === '') bundle = r.cid;
    const fetchMs: number[] = [];
    const tlsMs: number[] = [];
    for (let i = 0; i < options.rounds; i++) {
      const fetcher = await startP2pNode(await loadOrCreateIdentity(join(work, `fetcher-${i}`)), loopback, { storeDir: join(work, `fetcher-${i}`, 'content') });
      nodes.push(fetcher);
      await fetcher.libp2p.dial(holder.libp2p.getMultiaddrs()[0]!);
      const started = performance.now();
      await fetcher.content.fetchDirectory(bundle!, join(work, `fetched-${i}`), { signal: AbortSignal.timeout(60_000) });
      fetchMs.push(performance.now() - started);
      await fetcher.stop();
      tlsMs.push(await tlsCopy(total, holderId, join(work, `tls-${i}.bin`)));
    }
    const mb = total.byteLength / 1e6;
    const fetchMBps = mb / (median(fetchMs) / 1000);
    const tlsMBps = mb / (median(tlsMs) / 1000);
    return {
      demo_publish: {
        cells: loadCellTree(SHOP).nodes.length,
        cold_ms: round(median(cold)),
        unchanged_ms: round(median(warm)),
        raw_copy_ms: round(median(raw)),
        cold_x_raw: round(median(cold) / median(raw), 2),
      },
      bundle_fetch: {
        bytes: total.byteLength,
        files: files.length,
        helia_bitswap_ms: round(median(fetchMs)),
        helia_bitswap_MBps: round(fetchMBps),
        raw_tls_ms: round(median(tlsMs)),
        raw_tls_MBps: round(tlsMBps),
        x_raw_tls: round(fetchMBps / tlsMBps, 2),
      },
      rounds: options.rounds,
    };
  } finally {
    await Promise.all(nodes.map((n) => n.stop().catch(() => undefined)));
    rmSync(work, { recursive: true, force: true });
  }
}
