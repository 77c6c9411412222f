import { dirname, join } from 'node:path';
import type { Helia } from 'helia';
import type { CID } from 'multiformats/cid';
import type { Registry } from 'prom-client';
import type { NetworkConfig } from '@cell/config';
import type { Logger } from '@cell/sdk';
import { ContentStore } from './content-store.ts';
import { type ControlPlane, controlPlaneOptions } from './control-plane.ts';
import type { NodeIdentity } from './identity.ts';

/** Where a node keeps its content: blocks and its libp2p/Helia datastore. Undefined: in memory. */
export interface P2pNodeOptions {
  /** A directory (created if missing), normally `<CELL_HOME>/content`. */
  storeDir?: string | undefined;
  /** The tree's Prometheus registry: libp2p's own metrics (connections, streams, bytes per protocol, DHT, gossip) are registered in it. */
  metricsRegistry?: Registry | undefined;
  /** Where the content store says it asked again for a block nobody answered (a lost want: a peer or the link dropped something). */
  log?: Logger | undefined;
}

/** A node's one libp2p instance and the Helia (IPFS) node that created it. */
export interface P2pNode {
  readonly helia: Helia;
  readonly libp2p: ControlPlane;
  /** Blocks by CID over this node's Helia. */
  readonly content: ContentStore;
  stop(): Promise<void>;
}

/** The content directory of the node whose identity lives in `home`. */
export function contentDir(home: string): string {
  return join(home, 'content');
}

/** Where a node keeps its content: `storeDir` as given (null: in memory only), else `content/` beside its identity file. */
export function nodeStoreDir(storeDir: string | null | undefined, identityFile: string): string | undefined {
  return storeDir === null ? undefined : (storeDir ?? contentDir(dirname(identityFile)));
}

/** A warning per block asked for again, under `net.content`. */
export function reaskLog(log: Logger | undefined): ((cid: CID, asks: number) => void) | undefined {
  const content = log?.child({ component: 'net.content' });
  return content && ((cid, asks) => content.warn({ cid: cid.toString(), asks }, 'asking again for a block nobody answered'));
}

/**
 * Starts a node's peer-to-peer side: Helia (UnixFS blocks in `blockstore-fs`, its datastore in
 * `datastore-fs`) creating the node's only libp2p instance from `controlPlaneOptions`, so
 * discovery, announcements and content exchange (bitswap) share one peer id and one set of
 * connections. Helia is composed by hand (`createHeliaLight` + libp2p + bitswap) rather than with
 * `createHelia`, whose HTTP gateways and delegated routers would reach public servers: content is
 * found only through Cell's private DHT and connected Cell nodes.
 */
export async function startP2pNode(identity: NodeIdentity, config: NetworkConfig, options: P2pNodeOptions = {}): Promise<P2pNode> {
  // Loaded here, not at import: Helia costs about a second to load, and commands that only read
  // the node's identity (cell id) or publish without announcing never start a node.
  const [{ withBitswap }, { withLibp2pLight }, { FsBlockstore }, { FsDatastore }, { createHeliaLight }] = await Promise.all([
    import('@helia/bitswap'),
    import('@helia/libp2p'),
    import('blockstore-fs'),
    import('datastore-fs'),
    import('helia'),
  ]);
  const stores = options.storeDir
    ? { blockstore: new FsBlockstore(join(options.storeDir, 'blocks')), datastore: new FsDatastore(join(options.storeDir, 'datastore')) }
    : {};
  const libp2pOptions = controlPlaneOptions(identity, config);
  if (options.metricsRegistry) {
    const { prometheusMetrics } = await import('@libp2p/prometheus-metrics');
    // Into the tree's registry, beside its own series: no second set of process metrics, and nothing
    // cleared. The package keeps its series in module state: one node per process counts (a nucleus
    // runs one tree; a second node in the same process would find its series bound to the first's registry).
    libp2pOptions.metrics = prometheusMetrics({ registry: options.metricsRegistry, collectDefaultMetrics: false, preserveExistingMetrics: true });
  }
  const helia = withBitswap(withLibp2pLight(createHeliaLight(stores), libp2pOptions));
  await helia.start();
  return {
    helia,
    libp2p: helia.libp2p as ControlPlane,
    content: await ContentStore.of(helia, { onReask: reaskLog(options.log) }),
    stop: async () => {
      await helia.stop();
    },
  };
}
