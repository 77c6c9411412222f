// Shared by the donor tests: a small tree of cells published with the real `publishTree` into a
// node's block store (no network, no npm: its cells have no package.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadCellTree } from '@cell/config';
import { toGenome } from '@cell/contract';
import { type Author, type PublishResult, npmTarballs, publishTree, type PublishTreeOptions } from '@cell/publish';
import { GENOME_FILE, generateDependencyTypes } from '@cell/runtime';
import { defineContract, Type, unary } from '@cell/sdk';

/** The contract `store` serves; its genome is what `api`'s cell.lock records. */
const storeContract = defineContract({
  name: 'store',
  version: '1.0.0',
  methods: { get: unary({ input: Type.Object({ key: Type.String() }), output: Type.String() }) },
});

/**
 * A tree `shop` (root, no entry) with two sub-cells: `api` in `cells/api`, depending on `store` in
 * `cells/store`. `api` has a cell.lock recording store's genome, as `cell types` leaves it, so a
 * fetched copy can write its bindings offline. `extra` adds or overrides files.
 */
export function writeShopTree(root: string, extra: Record<string, string> = {}): void {
  const files: Record<string, string> = {
    'cell.toml': '[cell]\nname = "shop"\nversion = "1.0.0"\n',
    'README.md': 'a shop\n',
    'cells/api/cell.toml': '[cell]\nname = "api"\nversion = "2.1.0"\nentry = "src/main.ts"\n\n[deps]\nstore = "../store"\n',
    'cells/api/src/main.ts': 'export const api = 1;\n',
    'cells/store/cell.toml': '[cell]\nname = "store"\nversion = "1.0.0"\nentry = "src/main.ts"\n',
    'cells/store/src/main.ts': 'export const store = 1;\n',
    [join('cells/store', GENOME_FILE)]: `${JSON.stringify(toGenome(storeContract))}\n`,
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

/**
 * Publishes the tree at `root` as `author` into `blockstore`, after writing each consumer's
 * cell.lock from its producers' recorded genomes (what `cell types` does before `cell publish`).
 */
export async function publishTestTree(root: string, author: Author, blockstore: PublishTreeOptions['blockstore']): Promise<PublishResult> {
  await generateDependencyTypes(loadCellTree(root), 'accept', undefined, ['recorded']);
  const tarballs = npmTarballs({ offline: true, cacheDir: join(root, '..', 'no-npm-cache') });
  return publishTree({ tree: loadCellTree(root), author, blockstore, tarballs });
}
