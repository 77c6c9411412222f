import { join } from 'node:path';
import { FsBlockstore } from 'blockstore-fs';
import { CID } from 'multiformats/cid';
import type { NetworkConfig } from '@cell/config';
import { PUBLISH_TOPIC } from './control-plane.ts';
import type { NodeIdentity } from './identity.ts';
import { startP2pNode } from './p2p-node.ts';
import { encodePublicationNotice, type PublishedTree } from './publications.ts';

/** The block store under a node's content directory, opened for writing (no network). */
export async function openBlockstore(storeDir: string): Promise<FsBlockstore> {
  const store = new FsBlockstore(join(storeDir, 'blocks'));
  await store.open();
  return store;
}

export interface AnnouncePublishedOptions {
  identity: NodeIdentity;
  /** The tree's `[network]`; its p2p port is replaced by one the OS picks (a running node may hold it). */
  config: NetworkConfig;
  storeDir: string;
  published: PublishedTree;
  /** How long to look for peers and provide, at most. */
  timeoutMs: number;
  /** Injected for tests; defaults to Date.now. */
  now?: () => number;
}

export interface AnnounceOutcome {
  /** Peers connected when the notice was sent. */
  peers: number;
  /** Peers subscribed to the publish topic that received the notice. */
  notified: number;
  /** CIDs a DHT provider record was stored for. */
  provided: number;
}

/**
 * Announces a publication once, as this machine's node: starts the node's Helia/libp2p on the
 * same identity and content store (another port), waits up to `timeoutMs` for peers (bootstrap
 * and mDNS as configured), gossips the notice on the publish topic, provides the manifest and
 * bundles in the DHT, and stops. A running node of this machine re-announces it periodically
 * (`published.json`), and serves its blocks: the records name this node's key.
 */
export async function announcePublished(options: AnnouncePublishedOptions): Promise<AnnounceOutcome> {
  const now = options.now ?? Date.now;
  const deadline = now() + options.timeoutMs;
  const config = { ...options.config, p2p: { ...options.config.p2p, port: 0 } };
  const node = await startP2pNode(options.identity, config, { storeDir: options.storeDir });
  const { libp2p } = node;
  try {
    const pubsub = libp2p.services.pubsub;
    pubsub.subscribe(PUBLISH_TOPIC);
    const subscribers = () => pubsub.getSubscribers(PUBLISH_TOPIC).length;
    while (now() < deadline && (libp2p.getPeers().length === 0 || (config.discovery.includes('gossip') && subscribers() === 0))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const t = options.published;
    const outcome: AnnounceOutcome = { peers: libp2p.getPeers().length, notified: 0, provided: 0 };
    if (config.discovery.includes('gossip')) {
      const notice = encodePublicationNotice({ v: 1, manifest: t.manifest, author: t.author, tree: t.tree, version: t.version, node: options.identity.peerId });
      // A subscriber can be known (its subscription arrived on its stream) before ours to it is open,
      // and then a publish reaches nobody: publish again until it reaches someone or time is up.
      do {
        outcome.notified = (await pubsub.publish(PUBLISH_TOPIC, notice).catch(() => ({ recipients: [] }))).recipients.length;
      } while (outcome.notified === 0 && now() < deadline && (await new Promise((r) => setTimeout(r, 100, true))));
    }
    if (config.discovery.includes('dht') && outcome.peers > 0) {
      for (const cid of t.cids) {
        const left = deadline - now();
        if (left <= 0) break;
        const ok = await libp2p.contentRouting.provide(CID.parse(cid), { signal: AbortSignal.timeout(left) }).then(
          () => true,
          () => false,
        );
        if (ok) outcome.provided += 1;
      }
    }
    return outcome;
  } finally {
    await node.stop();
  }
}
