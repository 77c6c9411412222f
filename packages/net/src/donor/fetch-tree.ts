import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { CID } from 'multiformats/cid';
import { type CellTree, loadCellTree, runsProcess } from '@cell/config';
import { CellError } from '@cell/protocol';
import type { Manifest } from '@cell/publish';
import { generateDependencyTypes } from '@cell/runtime';

/** Where a donor gets bundles: a node's content store (every block's hash checked on arrival). */
export interface BundleFetcher {
  fetchDirectory(cid: CID, dest: string, options?: { signal?: AbortSignal; maxBytes?: number }): Promise<{ files: number; bytes: number }>;
}

export interface FetchTreeOptions {
  signal?: AbortSignal | undefined;
  /** The whole tree's files add up to at most this (the storage a placement reserved). */
  maxBytes?: number | undefined;
}

function invalid(message: string, details: Record<string, unknown> = {}): CellError {
  return new CellError('CELL_E_MANIFEST_INVALID', message, { details: { reason: 'tree', ...details } });
}

/** `path` of a manifest cell as a directory under `root`; anything leaving it is refused. */
function cellDirOf(root: string, path: string): string {
  const dir = resolve(root, path);
  if (path.startsWith('/') || path.includes('\\') || (dir !== root && !dir.startsWith(root + sep))) {
    throw invalid(`cell path ${JSON.stringify(path)} leaves the tree`, { path });
  }
  return dir;
}

/**
 * Rebuilds a published tree in `dest` (replaced if it exists) from its manifest: each cell's
 * bundle fetched at its path, the root's first. Then reads it as any tree (its `cell.toml`s) and
 * checks it is the tree the manifest describes — the same cells at the same paths — and writes
 * each consumer's bindings from its `cell.lock` (offline: no producer code runs on the host). Each
 * cell that runs (a Node or a process cell) gets an empty `data/`, where its capsid's writable directory is mounted.
 */
export async function fetchTree(fetcher: BundleFetcher, manifest: Manifest, dest: string, options: FetchTreeOptions = {}): Promise<CellTree> {
  const root = resolve(dest);
  rmSync(root, { recursive: true, force: true });
  // Parents before the cells inside them, the root first: by depth, '.' counted as 0 (by text it
  // would sort after '_shared' or '-tools', which are as deep).
  const depth = (path: string) => (path === '.' ? 0 : path.split('/').length);
  const cells = [...manifest.cells].sort((a, b) => depth(a.path) - depth(b.path) || a.path.localeCompare(b.path));
  if (cells[0]?.path !== '.') throw invalid('the manifest has no root cell (path ".")');
  let budget = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
  for (const cell of cells) {
    const dir = cellDirOf(root, cell.path);
    if (dir !== root && existsSync(dir)) throw invalid(`the bundle of a parent cell already has ${cell.path}`, { path: cell.path });
    const got = await fetcher.fetchDirectory(CID.parse(cell.bundle), dir, { signal: options.signal, maxBytes: budget });
    budget -= got.bytes;
  }
  const tree = loadCellTree(root);
  const byPath = new Map(tree.nodes.map((n) => [relative(root, n.dir).split(sep).join('/') || '.', n]));
  for (const cell of cells) {
    const node = byPath.get(cell.path);
    if (!node || node.name !== cell.name) throw invalid(`the manifest names ${cell.name} at ${cell.path}, the tree has ${node?.name ?? 'nothing'} there`, { path: cell.path });
    byPath.delete(cell.path);
  }
  if (byPath.size > 0) throw invalid(`the tree has cells the manifest does not name: ${[...byPath.keys()].join(', ')}`);
  for (const node of tree.nodes) if (runsProcess(node.config)) mkdirSync(join(node.dir, 'data'), { recursive: true });
  await generateDependencyTypes(tree, 'offline', tree.nodes, []);
  return tree;
}
