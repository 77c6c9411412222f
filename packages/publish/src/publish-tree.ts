import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import writeFileAtomic from 'write-file-atomic';
import { type CellTree, type Range, runsProcess, type TreeNode } from '@cell/config';
import { CellError } from '@cell/protocol';
import type { Author } from './author.ts';
import { planBundle, storeBundle } from './bundle.ts';
import { canonicalJson } from './canonical-json.ts';
import { encodeManifest, type Manifest, type ManifestCell, signManifest } from './manifest.ts';
import type { TarballSource } from './npm-tarballs.ts';

type Blockstore = Parameters<typeof storeBundle>[1];

/** What happened to one cell. */
export interface PublishedCell {
  name: string;
  path: string;
  bundle: string;
  /** `unchanged`: same bundle as last time, nothing stored again. */
  state: 'added' | 'changed' | 'unchanged';
  files: number;
  bytes: number;
  skipped: string[];
}

export type PublishProgress = { event: 'bundling'; cell: string } | ({ event: 'bundled' } & PublishedCell);

export interface PublishTreeOptions {
  tree: CellTree;
  author: Author;
  blockstore: Blockstore;
  tarballs: TarballSource;
  /** Build quorum asked of donors (2 or more; 1 or absent: none). */
  quorum?: number | undefined;
  now?: () => Date;
  onProgress?(p: PublishProgress): void;
}

export interface PublishResult {
  manifest: Manifest;
  cid: CID;
  /** False when nothing changed since the last publish: the same manifest (and CID) as then. */
  changed: boolean;
  cells: PublishedCell[];
}

/** What `cell publish` remembers in the tree's `.cell/`: the last manifest and each cell's bundle. */
interface PublishState {
  v: 1;
  author: string;
  manifest: string;
  /** Digest of the manifest without its time, previous link, author and signature. */
  body: string;
  cells: Record<string, { digest: string; bundle: string }>;
}

const STATE_FILE = 'published.json';

function readState(root: string): PublishState | undefined {
  const file = join(root, '.cell', STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as PublishState;
    return s.v === 1 ? s : undefined;
  } catch {
    return undefined;
  }
}

const range = (r: Range) => ({ min: r.min ?? null, max: r.max ?? null });
const posix = (p: string) => p.split(sep).join('/') || '.';

/** What a cell's bundle leaves out: its sub-cells (bundled on their own) and every `[secrets]` file of the tree. */
function excluded(node: TreeNode, tree: CellTree): string[] {
  const secrets = tree.nodes.flatMap((n) => Object.values(n.config.secrets));
  return [...tree.nodes.filter((n) => n !== node && n.dir.startsWith(node.dir + sep)).map((n) => n.dir), ...secrets];
}

/**
 * A published tree runs on donors, who see everything a cell holds: a cell with `[secrets]`
 * cannot be published (CELL_E_BUNDLE_FAILED naming it), and no secret file is ever bundled.
 */
function refuseSecrets(tree: CellTree): void {
  const holder = tree.nodes.find((n) => Object.keys(n.config.secrets).length > 0);
  if (!holder) return;
  throw new CellError('CELL_E_BUNDLE_FAILED', `cell ${holder.name} has [secrets] (${Object.keys(holder.config.secrets).join(', ')}): a published tree runs on donors, who see everything a cell holds; publish it without them`, {
    details: { cell: holder.name, secrets: Object.keys(holder.config.secrets) },
  });
}

/**
 * Publishes a tree into a block store: a bundle per cell (stored only when it changed since the
 * last publish of this tree), then a manifest signed by the author naming every bundle and the
 * previous manifest; the manifest block is stored too. Publishing an unchanged tree again gives
 * the same manifest and CID, storing nothing. Remembers what it did in the tree's `.cell/`.
 */
export async function publishTree(options: PublishTreeOptions): Promise<PublishResult> {
  const { tree, author, blockstore } = options;
  refuseSecrets(tree);
  const root = tree.root.dir;
  const state = readState(root);
  const sameAuthor = state?.author === author.record.key;
  const packed = new Map<string, Promise<Uint8Array>>();
  const cells: PublishedCell[] = [];
  const digests: Record<string, { digest: string; bundle: string }> = {};
  const entries: ManifestCell[] = [];
  const nodes = [...tree.nodes].sort((a, b) => (posix(relative(root, a.dir)) < posix(relative(root, b.dir)) ? -1 : 1));
  for (const node of nodes) {
    const path = posix(relative(root, node.dir));
    options.onProgress?.({ event: 'bundling', cell: node.name });
    // A group of cells runs nothing on donors: it carries its source, not its npm packages.
    const runs = runsProcess(node.config);
    const plan = await planBundle({ cell: node.name, cellDir: node.dir, treeRoot: root, exclude: excluded(node, tree), tarballs: options.tarballs, packed, packages: runs });
    const before = sameAuthor ? state.cells[path] : undefined;
    let bundle: string;
    let cellState: PublishedCell['state'];
    let bytes = 0;
    if (before && before.digest === plan.digest && (await blockstore.has(CID.parse(before.bundle)))) {
      bundle = before.bundle;
      cellState = 'unchanged';
    } else {
      const stored = await storeBundle(plan, blockstore);
      bundle = stored.cid.toString();
      bytes = stored.bytes;
      cellState = before ? (before.bundle === bundle ? 'unchanged' : 'changed') : 'added';
    }
    const done: PublishedCell = { name: node.name, path, bundle, state: cellState, files: plan.entries.length, bytes, skipped: plan.skipped };
    cells.push(done);
    digests[path] = { digest: plan.digest, bundle };
    options.onProgress?.({ event: 'bundled', ...done });
    const { resources } = node.config;
    entries.push({
      name: node.name,
      version: node.config.cell.version,
      path,
      bundle,
      resources: { cpu: range(resources.cpu), memory: range(resources.memory), storage: range(resources.storage), gpu: range(resources.gpu) },
      replicas: node.replicas,
      ...(runs ? {} : { runs: false }),
      ...(node.config.process ? { process: true as const } : {}),
      deps: Object.fromEntries(Object.entries(node.deps).map(([name, dep]) => [name, posix(relative(root, dep.dir))])),
    });
  }
  const quorum = options.quorum !== undefined && options.quorum > 1 ? { quorum: options.quorum } : {};
  const body = { v: 1 as const, tree: { name: tree.root.name, version: tree.root.config.cell.version, ...quorum }, cells: entries };
  const bodyDigest = createHash('sha256').update(canonicalJson(body)).digest('base64url');
  if (sameAuthor && state.body === bodyDigest && (await blockstore.has(CID.parse(state.manifest)))) {
    const bytes = await collect(blockstore.get(CID.parse(state.manifest)));
    const manifest = JSON.parse(new TextDecoder().decode(bytes)) as Manifest;
    return { manifest, cid: (await encodeManifest(manifest)).cid, changed: false, cells };
  }
  const manifest = signManifest({ ...body, previous: sameAuthor ? state.manifest : null, created: (options.now?.() ?? new Date()).toISOString() }, author);
  const { bytes, cid } = await encodeManifest(manifest);
  await blockstore.put(cid, bytes);
  const next: PublishState = {
    v: 1,
    author: author.record.key,
    manifest: cid.toString(),
    body: bodyDigest,
    cells: digests,
  };
  await mkdir(join(root, '.cell'), { recursive: true });
  await writeFileAtomic(join(root, '.cell', STATE_FILE), `${JSON.stringify(next, null, 2)}\n`);
  return { manifest, cid, changed: true, cells };
}

async function collect(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}
