import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Author, createAuthor, type Manifest, type PublishResult } from '@cell/publish';
import { BINDINGS_DIR } from '@cell/runtime';
import { loadOrCreateIdentity } from '../identity.ts';
import { type P2pNode, startP2pNode } from '../p2p-node.ts';
import { loopbackConfig, tempDir } from '../test-support/fixtures.ts';
import { publishTestTree, writeShopTree } from '../test-support/published-tree.ts';
import { fetchTree } from './fetch-tree.ts';

/** Every regular file under `dir`, relative and `/`-separated, sorted. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/** The code of what `promise` rejected with, or `resolved` (a refusal must never pass unseen). */
function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (err: { code?: string }) => err.code ?? String(err),
  );
}

describe('fetchTree (a tree published with publishTree into a real node store)', () => {
  const dir = tempDir('cell-fetch-tree-');
  const source = join(dir.path, 'shop');
  let node: P2pNode;
  let author: Author;
  let published: PublishResult;
  let outs = 0;
  const dest = () => join(dir.path, `out-${++outs}`);
  /** The published manifest with its cells changed by `edit` (fetchTree trusts a verified manifest: no signature here). */
  const withCells = (edit: (cells: Manifest['cells']) => Manifest['cells']): Manifest => ({ ...published.manifest, cells: edit(structuredClone(published.manifest.cells)) });

  beforeAll(async () => {
    node = await startP2pNode(await loadOrCreateIdentity(join(dir.path, 'node')), loopbackConfig({ discovery: [] }), { storeDir: join(dir.path, 'content') });
    author = await createAuthor({ home: join(dir.path, 'author'), name: 'Ada', contact: 'ada@example.org' });
    writeShopTree(source);
    published = await publishTestTree(source, author, node.content.blockstore);
  });
  afterAll(async () => {
    await node?.stop();
    dir.remove();
  });

  it('rebuilds the tree: the same source files at the same paths, cell.lock kept, bindings written offline, data/ for cells with an entry', async () => {
    const out = dest();
    const tree = await fetchTree(node.content, published.manifest, out);
    expect(tree.nodes.map((n) => [relative(out, n.dir).split(sep).join('/') || '.', n.name]).sort()).toEqual([
      ['.', 'shop'],
      ['cells/api', 'api'],
      ['cells/store', 'store'],
    ]);
    // Every published file arrived; nothing of the runtime's `.cell/` travelled (the producer's recorded genome stayed home).
    const sourceFiles = filesUnder(source).filter((f) => !f.split('/').includes('.cell'));
    const fetched = filesUnder(out);
    expect(fetched.filter((f) => !f.split('/').includes('.cell'))).toEqual(sourceFiles);
    for (const f of sourceFiles) expect(readFileSync(join(out, f), 'utf8')).toBe(readFileSync(join(source, f), 'utf8'));
    expect(fetched).toContain('cells/api/cell.lock');
    expect(existsSync(join(out, 'cells/store/.cell/genome.json'))).toBe(false);
    // The consumer's bindings come from its cell.lock alone (the source's `.cell/bindings` did not travel).
    const bindings = readFileSync(join(out, 'cells/api', BINDINGS_DIR, 'store.ts'), 'utf8');
    expect(bindings).toContain('name: "store"');
    expect(bindings).toContain('get: unary(');
    expect(statSync(join(out, 'cells/api/data')).isDirectory()).toBe(true);
    expect(statSync(join(out, 'cells/store/data')).isDirectory()).toBe(true);
    expect(existsSync(join(out, 'data'))).toBe(false);
  });

  it('replaces a destination that existed before', async () => {
    const out = dest();
    writeShopTree(out, { 'stale.txt': 'left from an older placement\n', 'cells/api/src/old.ts': 'export {};\n' });
    await fetchTree(node.content, published.manifest, out);
    expect(existsSync(join(out, 'stale.txt'))).toBe(false);
    expect(existsSync(join(out, 'cells/api/src/old.ts'))).toBe(false);
    expect(readFileSync(join(out, 'cells/api/src/main.ts'), 'utf8')).toBe('export const api = 1;\n');
  });

  it('refuses a cell path that leaves the tree (../x, an absolute path), writing nothing outside it', async () => {
    const outside = join(dir.path, 'escaped');
    for (const path of ['../escaped', outside, 'cells/../../escaped']) {
      const manifest = withCells((cells) => cells.map((c) => (c.name === 'store' ? { ...c, path } : c)));
      expect(await codeOf(fetchTree(node.content, manifest, dest()))).toBe('CELL_E_MANIFEST_INVALID');
      expect(existsSync(outside)).toBe(false);
    }
  });

  it('refuses a manifest without a root cell (path ".") before fetching anything', async () => {
    const out = dest();
    const manifest = withCells((cells) => cells.filter((c) => c.path !== '.'));
    expect(await codeOf(fetchTree(node.content, manifest, out))).toBe('CELL_E_MANIFEST_INVALID');
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a manifest naming a cell the tree does not have at that path', async () => {
    const renamed = withCells((cells) => cells.map((c) => (c.name === 'api' ? { ...c, name: 'payments' } : c)));
    expect(await codeOf(fetchTree(node.content, renamed, dest()))).toBe('CELL_E_MANIFEST_INVALID');
    const rootRenamed = withCells((cells) => cells.map((c) => (c.path === '.' ? { ...c, name: 'mall' } : c)));
    expect(await codeOf(fetchTree(node.content, rootRenamed, dest()))).toBe('CELL_E_MANIFEST_INVALID');
  });

  it('holds the whole tree to maxBytes (not each bundle): one byte short is refused with CELL_E_INVALID_ARGUMENT', async () => {
    const total = published.cells.reduce((sum, c) => sum + c.bytes, 0);
    const largest = Math.max(...published.cells.map((c) => c.bytes));
    expect(largest).toBeLessThan(total - 1); // so only a budget over the whole tree can refuse it
    expect(await codeOf(fetchTree(node.content, published.manifest, dest(), { maxBytes: total - 1 }))).toBe('CELL_E_INVALID_ARGUMENT');
    const tree = await fetchTree(node.content, published.manifest, dest(), { maxBytes: total });
    expect(tree.nodes).toHaveLength(3);
  });

  it('gives CELL_E_CONTENT_UNAVAILABLE for a bundle no peer has, once its signal ends the wait', async () => {
    const missing = CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode('a bundle nobody stored'))).toString();
    const manifest = withCells((cells) => cells.map((c) => (c.name === 'store' ? { ...c, bundle: missing } : c)));
    expect(await codeOf(fetchTree(node.content, manifest, dest(), { signal: AbortSignal.timeout(500) }))).toBe('CELL_E_CONTENT_UNAVAILABLE');
  });

  it('places the root first even when a cell directory sorts before "." (_shared, -tools)', async () => {
    const lab = join(dir.path, 'lab');
    writeShopTree(lab, {
      'cell.toml': '[cell]\nname = "lab"\nversion = "1.0.0"\n\n[cells]\nshared = { path = "_shared" }\ntools = { path = "-tools" }\n',
      '_shared/cell.toml': '[cell]\nname = "shared"\nversion = "1.0.0"\n',
      '-tools/cell.toml': '[cell]\nname = "tools"\nversion = "1.0.0"\n',
    });
    const r = await publishTestTree(lab, author, node.content.blockstore);
    expect(r.manifest.cells.map((c) => c.path)).toEqual(expect.arrayContaining(['.', '_shared', '-tools']));
    const out = dest();
    const tree = await fetchTree(node.content, r.manifest, out);
    expect(tree.nodes.map((n) => n.name).sort()).toEqual(['api', 'lab', 'shared', 'store', 'tools']);
    expect(readFileSync(join(out, '_shared/cell.toml'), 'utf8')).toContain('name = "shared"');
  });
});
