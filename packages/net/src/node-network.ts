import { join } from 'node:path';
import type { PeerId } from '@libp2p/interface';
import type { Static } from 'typebox';
import { CellError } from '@cell/protocol';
import type { NetworkConfig } from '@cell/config';
import type { Genome } from '@cell/contract';
import { RUN_DIR, type RemoteCandidate, type ReplicaSpan } from '@cell/host';
import { fetchGenome, type Logger, type Membrane, serve } from '@cell/sdk';
import { type AxonCredentials, keyFromPeerId } from '@cell/wire';
import { ownAddresses, parseAxonUrl, unmapIpv4 } from './addresses.ts';
import { type Announcement, parseAnnouncement } from './announcement.ts';
import { Announcer } from './announcer.ts';
import { redialBootstrap } from './bootstrap-redial.ts';
import { cellKey } from './cell-key.ts';
import type { ContentStore } from './content-store.ts';
import { ANNOUNCE_TOPIC, type ControlPlane, NODE_INFO_PROTOCOL, PUBLISH_TOPIC, readNodeInfo } from './control-plane.ts';
import { DirectoryClient, LOOKUP_TIMEOUT_MS } from './directory-client.ts';
import { axonCredentials, type NodeIdentity } from './identity.ts';
import { nodeDirectoryContract } from './node-contract.ts';
import { nodeStoreDir, type P2pNode, startP2pNode } from './p2p-node.ts';
import { parsePublicationNotice, type PublicationNotice, readPublished } from './publications.ts';
import { type KnownNode, NodeRegistry } from './registry.ts';
import type { Registry } from 'prom-client';

/** A cell this node serves to others: its genome summary and the axon ports of its replicas. */
export interface LocalServedCell {
  name: string;
  version: string;
  fingerprint: string;
  ports: number[];
}

export interface NodeNetworkOptions {
  identity: NodeIdentity;
  config: NetworkConfig;
  /** Root of the tree (the directory's Unix socket goes in its run/). */
  root: string;
  log: Logger;
  /** The cells this node serves right now. */
  localCells(): LocalServedCell[];
  /**
   * Where the node keeps its content (blocks, datastore, trees published from this machine);
   * default `content/` beside the identity file. `null`: in memory.
   */
  storeDir?: string | null;
  /** Called once for each tree another node announces as published (a donor offers it to itself). */
  onPublication?: ((notice: PublicationNotice) => void) | undefined;
  /** The spans this node's cells keep of one trace (answered to other nodes that name it). */
  localSpans?: ((trace: string) => Promise<ReplicaSpan[]>) | undefined;
  /** The tree's Prometheus registry, for libp2p's metrics; none: libp2p counts nothing. */
  metricsRegistry?: Registry | undefined;
}

type Candidate = Static<typeof RemoteCandidate>;
const RESOLVE_CACHE_MS = 1000;
/** Publication notices kept from other nodes (the newest per manifest). */
const MAX_NOTICES = 1000;

/**
 * A tree's presence on the network. Serves its directory (the `node` contract) over an axon at
 * `[network] listen`; announces its cells by gossip and provides them in the DHT; learns other
 * nodes from announcements, mDNS, bootstrap peers and DHT lookups; and answers, for the racer,
 * where other nodes serve a cell.
 */
export class NodeNetwork {
  readonly identity: NodeIdentity;
  readonly directoryPort: number;
  private readonly p2p: ControlPlane;
  private readonly node: P2pNode;
  /** Blocks by CID: bundles and manifests, this node's and fetched ones. */
  readonly content: ContentStore;
  private readonly notices = new Map<string, PublicationNotice>();
  private readonly channels = new Map<string, (data: Uint8Array) => void>();
  private readonly directory: Membrane;
  private readonly registry: NodeRegistry;
  private readonly options: NodeNetworkOptions;
  private readonly log: Logger;
  private readonly credentials: AxonCredentials;
  private readonly directories: DirectoryClient;
  private readonly announcer: Announcer;
  private stopRedial: () => void = () => undefined;
  private readonly resolved = new Map<string, { at: number; value: Promise<Candidate[]> }>();

  private constructor(options: NodeNetworkOptions, node: P2pNode, directory: Membrane, credentials: AxonCredentials) {
    this.options = options;
    this.identity = options.identity;
    this.node = node;
    this.p2p = node.libp2p;
    this.content = node.content;
    const storeDir = nodeStoreDir(options.storeDir, options.identity.file);
    this.directory = directory;
    this.directoryPort = directory.axonPort!;
    this.credentials = credentials;
    this.log = options.log.child({ component: 'net.node' });
    this.registry = new NodeRegistry(options.config.announceEveryMs * 3);
    this.directories = new DirectoryClient(credentials, this.log);
    const { discovery, announceEveryMs } = options.config;
    this.announcer = new Announcer({
      p2p: this.p2p,
      gossip: discovery.includes('gossip'), dht: discovery.includes('dht'), everyMs: announceEveryMs, log: this.log,
      current: () => this.announcement(),
      published: () => (storeDir ? readPublished(storeDir) : []),
    });
  }

  /** Starts the node's directory and control plane, and begins announcing. */
  static async start(options: NodeNetworkOptions): Promise<NodeNetwork> {
    const { identity, config } = options;
    const credentials = axonCredentials(identity);
    // The directory answers from the network object, which needs the directory to exist first.
    const ref: { network?: NodeNetwork } = {};
    const directory = await serve(
      nodeDirectoryContract,
      {
        info: () => ({ node: identity.peerId, cells: ref.network?.servedCells() ?? [] }),
        resolve: ({ name, major }, ctx) => ({ candidates: ref.network?.localCandidates(name, major, unmapIpv4(ctx.caller.localAddress ?? '')) ?? [] }),
        spans: async ({ trace }) => ({ spans: (await options.localSpans?.(trace)) ?? [] }),
      },
      {
        socketPath: join(options.root, RUN_DIR, 'node.sock'),
        logger: options.log,
        axon: { host: config.listen.host, port: config.listen.port, credentials, allowedKeys: 'any' },
      },
    );
    let p2p: P2pNode;
    try {
      p2p = await startP2pNode(identity, config, { storeDir: nodeStoreDir(options.storeDir, options.identity.file), metricsRegistry: options.metricsRegistry, log: options.log });
    } catch (err) {
      await directory.stop({ graceMs: 0 });
      throw new CellError('CELL_E_UNAVAILABLE', `the control plane could not start on ${config.p2p.host}:${config.p2p.port}: ${(err as Error).message}`, { cause: err });
    }
    const network = new NodeNetwork(options, p2p, directory, credentials);
    ref.network = network;
    network.wire();
    network.log.info({ node: identity.peerId, directory: network.directoryAddresses(), p2p: p2p.libp2p.getMultiaddrs().map(String) }, 'node on the network');
    return network;
  }


  /** Gossip on another topic (with `[network] discovery` gossip): `onMessage` hears other nodes; returns how to send (to how many peers). */
  channel(topic: string, onMessage: (data: Uint8Array) => void): (data: Uint8Array) => Promise<number> {
    this.channels.set(topic, onMessage);
    this.p2p.services.pubsub.subscribe(topic);
    return async (data) => (await this.p2p.services.pubsub.publish(topic, data).catch(() => ({ recipients: [] }))).recipients.length;
  }

  /** The spans every known node keeps of one trace (a whole id: only the request's participants know it). */
  async remoteSpans(trace: string): Promise<ReplicaSpan[]> {
    return (await Promise.all(this.registry.all().map((k) => this.directories.spans(k.node, k.directory, trace)))).flat();
  }

  /** Trees other nodes announced as published from them, newest first. */
  publications(): PublicationNotice[] {
    return [...this.notices.values()].reverse();
  }

  /** The identity file cells read their TLS credentials from. */
  get identityFile(): string {
    return this.identity.file;
  }

  /** This node's directory addresses (`host:port`), as announced. */
  directoryAddresses(): string[] {
    return ownAddresses(this.options.config.listen.host).map((h) => `${h}:${this.directoryPort}`);
  }

  private servedCells(): Announcement['cells'] {
    return this.options.localCells().filter((c) => c.ports.length > 0).map(({ name, version, fingerprint }) => ({ name, version, fingerprint }));
  }

  private announcement(): Announcement {
    return { v: 1, node: this.identity.peerId, directory: this.directoryAddresses(), cells: this.servedCells() };
  }

  private localCandidates(name: string, major: number | null, host: string): Candidate[] {
    const advertised = host || ownAddresses(this.options.config.listen.host)[0]!;
    return this.options
      .localCells()
      .filter((c) => c.name === name && (major === null || Number.parseInt(c.version, 10) === major))
      .flatMap((c) => c.ports.map((port) => ({ node: this.identity.peerId, host: advertised, port, version: c.version, fingerprint: c.fingerprint })));
  }

  private wire(): void {
    this.p2p.handle(NODE_INFO_PROTOCOL, async (stream) => {
      stream.send(new TextEncoder().encode(`${JSON.stringify(this.announcement())}\n`));
      await stream.close();
    });
    // mDNS and bootstrap only discover peers: connect to them so gossip and the DHT can flow.
    this.p2p.addEventListener('peer:discovery', (event) => {
      const peer = event.detail;
      if (peer.id.equals(this.p2p.peerId)) return;
      this.p2p.dial(peer.id).then(
        () => this.askNodeInfo(peer.id).catch(() => undefined),
        () => undefined,
      );
    });
    if (this.options.config.discovery.includes('gossip')) {
      this.p2p.services.pubsub.subscribe(ANNOUNCE_TOPIC);
      this.p2p.services.pubsub.addEventListener('message', (event) => {
        if (event.detail.topic === ANNOUNCE_TOPIC) this.learn(event.detail.data, 'gossip');
        if (event.detail.topic === PUBLISH_TOPIC) this.notice(event.detail.data);
        this.channels.get(event.detail.topic)?.(event.detail.data);
      });
      this.p2p.services.pubsub.subscribe(PUBLISH_TOPIC);
    }
    this.announcer.start();
    this.stopRedial = redialBootstrap(this.p2p, this.options.config.bootstrap);
  }

  private learn(data: Uint8Array, via: KnownNode['via']): void {
    const a = parseAnnouncement(data);
    if (!a || a.node === this.identity.peerId) return;
    this.registry.learn({ node: a.node, directory: a.directory, cells: a.cells, via, seenAt: Date.now() });
  }

  private notice(data: Uint8Array): void {
    const n = parsePublicationNotice(data);
    if (!n || n.node === this.identity.peerId) return;
    const known = this.notices.delete(n.manifest);
    this.notices.set(n.manifest, n);
    if (!known) this.options.onPublication?.(n);
    if (this.notices.size > MAX_NOTICES) this.notices.delete(this.notices.keys().next().value!);
  }

  private async askNodeInfo(peer: PeerId): Promise<void> {
    this.learn(await readNodeInfo(this.p2p, peer, LOOKUP_TIMEOUT_MS), 'node-info');
  }

  /** Announces (gossip) and provides (DHT) this node's cells soon; call when they change. */
  announceSoon(): void {
    this.announcer.announceSoon();
  }

  /** Nodes serving a cell, found through the DHT (wide area). */
  private async lookupDht(name: string, major: number | null): Promise<void> {
    const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
    const asked: Array<Promise<void>> = [];
    try {
      for await (const provider of this.p2p.contentRouting.findProviders(await cellKey(name, major), { signal })) {
        if (provider.id.equals(this.p2p.peerId)) continue;
        asked.push(this.askNodeInfo(provider.id).catch((err: unknown) => this.log.debug({ err, peer: provider.id.toString() }, 'node-info failed')));
        if (asked.length >= 10) break;
      }
    } catch (err) {
      this.log.debug({ err, cell: name }, 'DHT lookup ended');
    }
    await Promise.all(asked);
  }

  /** Candidates on other nodes for a cell: at `via`, else from nodes known to serve it (announcements, mDNS, bootstrap), else the DHT. */
  resolve(name: string, major: number | null, via: string | null): Promise<Candidate[]> {
    const key = `${name}@${major ?? '*'}|${via ?? ''}`;
    const cached = this.resolved.get(key);
    if (cached && Date.now() - cached.at < RESOLVE_CACHE_MS) return cached.value;
    const value = this.resolveNow(name, major, via);
    this.resolved.set(key, { at: Date.now(), value });
    return value;
  }

  private async resolveNow(name: string, major: number | null, via: string | null): Promise<Candidate[]> {
    if (via) {
      const { node, host, port } = parseAxonUrl(via);
      if (node) keyFromPeerId(node); // a malformed pinned key is an error, not a silent TOFU
      return this.directories.ask(node, [`${host}:${port}`], name, major);
    }
    let nodes = this.registry.serving(name, major);
    if (nodes.length === 0 && this.options.config.discovery.includes('dht')) {
      await this.lookupDht(name, major);
      nodes = this.registry.serving(name, major);
    }
    const answers = await Promise.all(nodes.map((n) => this.directories.ask(n.node, n.directory, name, major)));
    return answers.flat();
  }

  /** The genome a candidate serves (for bindings of a dependency on another node), over an axon pinned to its key. */
  genomeOf(c: Candidate): Promise<Genome | undefined> {
    return fetchGenome({ axon: { host: c.host, port: c.port, key: c.node }, credentials: this.credentials, connectTimeoutMs: LOOKUP_TIMEOUT_MS });
  }

  /** What `cell status` shows of the network. */
  status(): { node: string; directory: string[]; p2p: string[]; peers: number; known: Array<{ node: string; cells: string[]; via: string; ageMs: number }> } {
    return {
      node: this.identity.peerId,
      directory: this.directoryAddresses(),
      p2p: this.p2p.getMultiaddrs().map(String),
      peers: this.p2p.getPeers().length,
      known: this.registry.all().map((n) => ({ node: n.node, cells: n.cells.map((c) => `${c.name}@${c.version}`), via: n.via, ageMs: Date.now() - n.seenAt })),
    };
  }

  async stop(): Promise<void> {
    this.stopRedial();
    this.announcer.stop();
    await this.directories.close();
    await this.directory.stop({ graceMs: 200 });
    await this.node.stop();
  }
}
