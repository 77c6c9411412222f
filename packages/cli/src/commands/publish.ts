import { join, resolve } from 'node:path';
import pino from 'pino';
import { loadCellConfig, loadCellTree } from '@cell/config';
import { CellError } from '@cell/protocol';
import { createLogger } from '@cell/sdk';
import { cellHome } from '@cell/host';
import type { PublishedCell, PublishProgress } from '@cell/publish';
import { loadNet } from '../network-package.ts';

export interface PublishCommandOptions {
  /** Announce on the network (gossip + DHT) after storing; needs `[network]` in the tree's root. */
  announce?: boolean;
  /** How long the announcement may look for peers. */
  announceTimeoutMs?: number;
  /** Build quorum asked of donors (2 or more). */
  quorum?: number | undefined;
  /** Take `[network]` from `<dir>/cell.toml` instead of the tree's root (e.g. a donor directory). */
  node?: string | undefined;
  onProgress?(p: PublishProgress): void;
}

/** What `cell publish` did. */
export interface PublishSummary {
  tree: string;
  version: string;
  /** CID of the signed manifest: what donors fetch and verify. */
  manifest: string;
  /** False when nothing changed: the same manifest as last time. */
  changed: boolean;
  previous: string | null;
  author: string;
  cells: PublishedCell[];
  /** The announcement, or why there was none. */
  announced: { peers: number; notified: number; provided: number } | { skipped: string };
}

/**
 * `cell publish [dir]`: bundles every cell of the tree (sources, lockfile, npm tarballs), stores
 * the bundles in this machine's content store (`CELL_HOME/content`), signs the tree's manifest
 * with the author key, records it as published from this machine, and announces it once. It does
 * not start the tree: a node of this machine (`cell mitosis` of a tree with `[network]`) serves
 * the blocks and re-announces what was published while it runs.
 */
export async function publishCommand(dir: string, options: PublishCommandOptions = {}): Promise<PublishSummary> {
  const tree = loadCellTree(resolve(dir));
  const { contentDir, loadOrCreateIdentity, openBlockstore, recordPublished, announcePublished } = await loadNet('cell publish');
  const { loadAuthor, npmTarballs, publishTree } = await import('@cell/publish');
  const home = cellHome();
  const author = loadAuthor(home);
  const storeDir = contentDir(home);
  const blockstore = await openBlockstore(storeDir);
  const result = await publishTree({ tree, author, blockstore, tarballs: npmTarballs(), quorum: options.quorum, onProgress: options.onProgress });
  const manifest = result.cid.toString();
  const published = {
    tree: result.manifest.tree.name,
    version: result.manifest.tree.version,
    author: author.record.key,
    manifest,
    cids: [manifest, ...new Set(result.cells.map((c) => c.bundle))],
  };
  await recordPublished(storeDir, published);
  let announced: PublishSummary['announced'];
  const network = options.node ? loadCellConfig(resolve(options.node)).network : tree.root.config.network;
  if (options.node && !network) throw new CellError('CELL_E_INVALID_ARGUMENT', `${resolve(options.node, 'cell.toml')} has no [network]`);
  if (options.announce === false) announced = { skipped: '--no-announce' };
  else if (!network) announced = { skipped: 'the tree has no [network]: stored here, announced by this machine’s node when one runs' };
  else {
    const identity = await loadOrCreateIdentity(home);
    announced = await announcePublished({ identity, config: network, storeDir, published, timeoutMs: options.announceTimeoutMs ?? 5000 });
  }
  return {
    tree: published.tree,
    version: published.version,
    manifest,
    changed: result.changed,
    previous: result.manifest.previous,
    author: author.record.key,
    cells: result.cells,
    announced,
  };
}

/**
 * `cell publish --serve`: after publishing, this command stays as this machine's node until `until`
 * resolves (Ctrl-C): it serves the published blocks to donors and re-announces what this machine
 * published every `[network] announce_every`. Its `[network]`: `--node <dir>`, else the tree's.
 */
export async function servePublished(dir: string, options: { node?: string | undefined; until: Promise<unknown>; onServing?(addresses: string[]): void }): Promise<void> {
  const network = options.node ? loadCellConfig(resolve(options.node)).network : loadCellTree(resolve(dir)).root.config.network;
  if (!network) throw new CellError('CELL_E_INVALID_ARGUMENT', "--serve needs a [network]: in the tree's root cell.toml, or another one with --node <dir>");
  const { loadOrCreateIdentity, NodeNetwork, watchDonors } = await loadNet('cell publish --serve');
  const home = cellHome();
  const identity = await loadOrCreateIdentity(home);
  const log = createLogger({ destination: pino.destination(2) });
  const node = await NodeNetwork.start({ identity, config: network, root: join(home, 'publisher'), log, localCells: () => [] });
  // Donors advertise their capacity: each one heard is logged (`donor heard`).
  watchDonors(node.channel.bind(node), log.child({ component: 'net.donors' }), network.announceEveryMs * 3);
  options.onServing?.(node.directoryAddresses());
  await options.until;
  await node.stop();
}

/** One line per cell for people. */
export function formatPublishedCell(c: PublishedCell): string {
  const size = c.state === 'unchanged' ? '' : ` (${c.files} files, ${(c.bytes / 1e6).toFixed(2)} MB)`;
  const skipped = c.skipped.length > 0 ? `; skipped (not regular files): ${c.skipped.join(', ')}` : '';
  return `${c.state.padEnd(9)} ${c.name.padEnd(16)} ${c.bundle}${size}${skipped}`;
}

/** The closing lines for people. */
export function formatPublishSummary(s: PublishSummary): string {
  const a = s.announced;
  const how = 'skipped' in a ? `not announced: ${a.skipped}` : `announced to ${a.peers} peer${a.peers === 1 ? '' : 's'} (${a.notified} notified, ${a.provided} DHT records)`;
  return [`${s.tree}@${s.version} ${s.changed ? 'published' : 'unchanged'} by ${s.author}`, how, `manifest ${s.manifest}`].join('\n');
}
