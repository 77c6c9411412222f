import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryBlockstore } from 'blockstore-core';
import { CID } from 'multiformats/cid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { type Author, createAuthor } from './author.ts';
import { verifyManifest } from './manifest.ts';
import { npmTarballs } from './npm-tarballs.ts';
import { type PublishProgress, publishTree } from './publish-tree.ts';
import { writeFiles } from './test-support/npm-project.ts';
import { tempDir } from './test-support/temp-dir.ts';

async function blockBytes(store: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of store.get(cid)) parts.push(c);
  return Buffer.concat(parts);
}

describe('publishTree', () => {
  const dir = tempDir('cell-publish-tree-');
  const root = join(dir.path, 'shop');
  const store = new MemoryBlockstore();
  const tarballs = npmTarballs({ offline: true, cacheDir: join(dir.path, 'no-cache') });
  let ada: Author;
  let clock = Date.UTC(2026, 0, 1);
  const now = () => new Date((clock += 1000));
  beforeAll(async () => {
    ada = await createAuthor({ home: join(dir.path, 'home'), name: 'Ada', contact: 'ada@example.org' });
    writeFiles(root, {
      'cell.toml': '[cell]\nname = "shop"\nversion = "1.0.0"\n',
      'cells/api/cell.toml': '[cell]\nname = "api"\nversion = "2.1.0"\nentry = "src/main.ts"\n\n[resources]\nmemory = { max = "64MB" }\ncpu = { min = 0.5, max = 1 }\n\n[deps]\nstore = "../store"\n',
      'cells/api/src/main.ts': 'export {};\n',
      'cells/store/cell.toml': '[cell]\nname = "store"\nversion = "1.0.0"\nentry = "src/main.ts"\nreplicas = 3\n',
      'cells/store/src/main.ts': 'export {};\n',
    });
  });
  afterAll(() => dir.remove());

  it('stores a bundle per cell and a signed manifest naming them, their resources, replicas and deps', async () => {
    const events: PublishProgress[] = [];
    const r = await publishTree({ tree: loadCellTree(root), author: ada, blockstore: store, tarballs, now, onProgress: (e) => events.push(e) });
    expect(r.changed).toBe(true);
    expect(r.cells.map((c) => [c.path, c.state])).toEqual([['.', 'added'], ['cells/api', 'added'], ['cells/store', 'added']]);
    expect(events.filter((e) => e.event === 'bundled')).toHaveLength(3);
    const v = await verifyManifest(await blockBytes(store, r.cid), r.cid);
    expect(v.manifest.previous).toBeNull();
    expect(v.manifest.tree).toEqual({ name: 'shop', version: '1.0.0' });
    const api = v.manifest.cells.find((c) => c.name === 'api')!;
    expect(api).toMatchObject({ version: '2.1.0', path: 'cells/api', replicas: 1, deps: { store: 'cells/store' }, resources: { cpu: { min: 0.5, max: 1 }, memory: { min: null, max: 64_000_000 } } });
    expect(v.manifest.cells.find((c) => c.name === 'store')!.replicas).toBe(3);
    for (const c of v.manifest.cells) expect(await store.has(CID.parse(c.bundle))).toBe(true);
    // The root's bundle holds its own files, not its sub-cells'.
    expect(r.cells[0]!.files).toBe(1);
  });

  it('publishes a process cell to run on donors, and a group of cells as one that runs nothing', async () => {
    const tree = join(dir.path, 'with-db');
    writeFiles(tree, {
      'cell.toml': '[cell]\nname = "app"\nversion = "1.0.0"\n',
      'cells/db/cell.toml': '[cell]\nname = "db"\nversion = "1.0.0"\nrun = ["./start.sh"]\nports = ["pg"]\n',
      'cells/db/start.sh': '#!/bin/sh\nexec sleep 600\n',
    });
    const r = await publishTree({ tree: loadCellTree(tree), author: ada, blockstore: new MemoryBlockstore(), tarballs, now });
    const db = r.manifest.cells.find((c) => c.name === 'db')!;
    expect(db).toMatchObject({ path: 'cells/db', replicas: 1, process: true });
    expect(db.runs).toBeUndefined();
    expect(r.manifest.cells.find((c) => c.name === 'app')).toMatchObject({ runs: false });
    expect(r.manifest.cells.find((c) => c.name === 'app')!.process).toBeUndefined();
    expect(r.cells.find((c) => c.name === 'db')).toMatchObject({ files: 2 });
  });

  it('refuses a tree with [secrets]: donors would see them', async () => {
    const tree = join(dir.path, 'with-secret');
    writeFiles(tree, {
      'cell.toml': '[cell]\nname = "app"\nversion = "1.0.0"\nrun = ["./start.sh"]\n[secrets]\nTOKEN = "secrets/token"\n',
      'start.sh': '#!/bin/sh\nexec sleep 600\n',
    });
    chmodSync(join(tree, 'start.sh'), 0o755);
    mkdirSync(join(tree, 'secrets'));
    writeFileSync(join(tree, 'secrets', 'token'), 's3cret', { mode: 0o600 });
    const store = new MemoryBlockstore();
    await expect(publishTree({ tree: loadCellTree(tree), author: ada, blockstore: store, tarballs, now })).rejects.toMatchObject({
      code: 'CELL_E_BUNDLE_FAILED',
      message: expect.stringContaining('cell app has [secrets] (TOKEN)'),
    });
    let stored = 0;
    for await (const _ of store.getAll()) stored++;
    expect(stored).toBe(0);
  });

  it('is idempotent: publishing an unchanged tree stores nothing and gives the same manifest', async () => {
    const first = await publishTree({ tree: loadCellTree(root), author: ada, blockstore: store, tarballs, now });
    const puts: string[] = [];
    const watched = { has: store.has.bind(store), get: store.get.bind(store), put: (cid: CID, bytes: Uint8Array) => (puts.push(cid.toString()), store.put(cid, bytes)) };
    const again = await publishTree({ tree: loadCellTree(root), author: ada, blockstore: watched, tarballs, now });
    expect(again.changed).toBe(false);
    expect(again.cid.equals(first.cid)).toBe(true);
    expect(again.cells.every((c) => c.state === 'unchanged')).toBe(true);
    expect(puts).toEqual([]);
  });

  it('re-adds only the changed cell, and links the new manifest to the previous one', async () => {
    const before = await publishTree({ tree: loadCellTree(root), author: ada, blockstore: store, tarballs, now });
    writeFileSync(join(root, 'cells/store/src/main.ts'), 'export const changed = true;\n');
    const after = await publishTree({ tree: loadCellTree(root), author: ada, blockstore: store, tarballs, now });
    expect(after.changed).toBe(true);
    expect(after.cells.map((c) => [c.name, c.state])).toEqual([['shop', 'unchanged'], ['api', 'unchanged'], ['store', 'changed']]);
    expect(after.manifest.previous).toBe(before.cid.toString());
    expect((await verifyManifest(await blockBytes(store, after.cid), after.cid)).manifest.previous).toBe(before.cid.toString());
  });

  it('starts a new chain for another author', async () => {
    const grace = await createAuthor({ home: join(dir.path, 'grace'), name: 'Grace', contact: 'g@example.org' });
    const r = await publishTree({ tree: loadCellTree(root), author: grace, blockstore: store, tarballs, now });
    expect(r.changed).toBe(true);
    expect(r.manifest.previous).toBeNull();
    expect(r.manifest.author.key).toBe(grace.record.key);
  });
});
