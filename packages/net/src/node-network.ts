import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { PeerId } from '@libp2p/interface';
import { CID } from 'multiformats/cid';
import * as raw from 'multiformats/codecs/raw';
import { sha256 } from 'multiformats/hashes/sha2';
import { CellError } from '@cell/protocol';
import type { NetworkConfig } from '@cell/config';
import {
  type AxonCredentials,
  connect,
  fetchGenome,
  type Genome,
  keyFromPeerId,
  type Logger,
  type Membrane,
  type RemoteCandidate,
  RUN_DIR,
  serve,
  type Static,
  type Synapse,
} from '@cell/sdk';
import { ANNOUNCE_TOPIC, type ControlPlane, createControlPlane, NODE_INFO_PROTOCOL } from './control-plane.ts';
import type { NodeIdentity } from './identity.ts';
import { nodeContract, type ServedCell } from './node-contract.ts';
import { type KnownNode, NodeRegistry } from './registry.ts';

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
}

interface Announcement {
  v: 1;
  node: string;
  directory: string[];
  cells: Array<Static<typeof ServedCell>>;
}

const LOOKUP_TIMEOUT_MS = 3000;
const RESOLVE_CACHE_MS = 1000;

/** The IPv4 addresses other nodes can reach this one on, for `0.0.0.0` listeners. */
function ownAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  return out.length > 0 ? out : ['127.0.0.1'];
}

function splitHostPort(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  return { host: addr.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(addr.slice(i + 1)) };
}

/** `axon://[peer-id@]host:port` */
export function parseAxonUrl(url: string): { node: string | undefined; host: string; port: number } {
  const m = /^axon:\/\/(?:([^@]+)@)?(.+):(\d+)$/.exec(url);
  if (!m) throw new CellError('CELL_E_INVALID_ARGUMENT', `not an axon address: ${url}`);
  return { node: m[1], host: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) };
}

/** The DHT key under which nodes provide a cell at a major version. */
async function cellKey(name: string, major: number | null): Promise<CID> {
  return CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(`cell:${name}@${major ?? '*'}`)));
}

function unmap(address: string): string {
  return address.replace(/^::ffff:/, '');
}

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
  private readonly directory: Membrane;
  private readonly registry: NodeRegistry;
  private readonly options: NodeNetworkOptions;
  private readonly log: Logger;
  private readonly credentials: AxonCredentials;
  private readonly directories = new Map<string, Synapse<typeof nodeContract>>();
  private readonly resolved = new Map<string, { at: number; value: Promise<RemoteCandidate[]> }>();
  private readonly provided = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private announceTimer: NodeJS.Timeout | undefined;

  private constructor(options: NodeNetworkOptions, p2p: ControlPlane, directory: Membrane) {
    this.options = options;
    this.identity = options.identity;
    this.p2p = p2p;
    this.directory = directory;
    this.directoryPort = directory.axonPort!;
    this.log = options.log.child({ component: 'net.node' });
    this.registry = new NodeRegistry(options.config.announceEveryMs * 3);
    this.credentials = { keyPem: this.identity.keyPem, certPem: this.identity.certPem, publicKey: this.identity.publicKey, peerId: this.identity.peerId };
  }

  /** Starts the node's directory and control plane, and begins announcing. */
  static async start(options: NodeNetworkOptions): Promise<NodeNetwork> {
    const { identity, config } = options;
    const credentials = { keyPem: identity.keyPem, certPem: identity.certPem, publicKey: identity.publicKey, peerId: identity.peerId };
    // The directory answers from the network object, which needs the directory to exist first.
    const ref: { network?: NodeNetwork } = {};
    const directory = await serve(
      nodeContract,
      {
        info: () => ({ node: identity.peerId, cells: ref.network?.servedCells() ?? [] }),
        resolve: ({ name, major }, ctx) => ({ candidates: ref.network?.localCandidates(name, major, unmap(ctx.caller.localAddress ?? '')) ?? [] }),
      },
      {
        socketPath: join(options.root, RUN_DIR, 'node.sock'),
        logger: options.log,
        axon: { host: config.listen.host, port: config.listen.port, credentials, allowedKeys: 'any' },
      },
    );
    let p2p: ControlPlane;
    try {
      p2p = await createControlPlane(identity, config);
    } catch (err) {
      await directory.stop({ graceMs: 0 });
      throw new CellError('CELL_E_UNAVAILABLE', `the control plane could not start on ${config.p2p.host}:${config.p2p.port}: ${(err as Error).message}`, { cause: err });
    }
    const network = new NodeNetwork(options, p2p, directory);
    ref.network = network;
    network.wire();
    network.log.info({ node: identity.peerId, directory: network.directoryAddresses(), p2p: p2p.getMultiaddrs().map(String) }, 'node on the network');
    return network;
  }

  /** This node's directory addresses (`host:port`), as announced. */
  directoryAddresses(): string[] {
    return ownAddresses(this.options.config.listen.host).map((h) => `${h}:${this.directoryPort}`);
  }

  /** libp2p addresses other nodes can bootstrap from. */
  p2pAddresses(): string[] {
    return this.p2p.getMultiaddrs().map(String);
  }

  private servedCells(): Array<Static<typeof ServedCell>> {
    return this.options.localCells().filter((c) => c.ports.length > 0).map(({ name, version, fingerprint }) => ({ name, version, fingerprint }));
  }

  private localCandidates(name: string, major: number | null, host: string): RemoteCandidate[] {
    const advertised = host || ownAddresses(this.options.config.listen.host)[0]!;
    return this.options
      .localCells()
      .filter((c) => c.name === name && (major === null || Number.parseInt(c.version, 10) === major))
      .flatMap((c) => c.ports.map((port) => ({ node: this.identity.peerId, host: advertised, port, version: c.version, fingerprint: c.fingerprint })));
  }

  private wire(): void {
    const { config } = this.options;
    this.p2p.handle(NODE_INFO_PROTOCOL, async (stream) => {
      const info: Announcement = { v: 1, node: this.identity.peerId, directory: this.directoryAddresses(), cells: this.servedCells() };
      stream.send(new TextEncoder().encode(`${JSON.stringify(info)}\n`));
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
    if (config.discovery.includes('gossip')) {
      this.p2p.services.pubsub.subscribe(ANNOUNCE_TOPIC);
      this.p2p.services.pubsub.addEventListener('message', (event) => {
        if (event.detail.topic !== ANNOUNCE_TOPIC) return;
        this.onAnnouncement(event.detail.data, 'gossip');
      });
    }
    this.timer = setInterval(() => void this.announce(), config.announceEveryMs);
    this.timer.unref();
    void this.announce();
  }

  private onAnnouncement(data: Uint8Array, via: KnownNode['via']): void {
    let a: Announcement;
    try {
      a = JSON.parse(new TextDecoder().decode(data)) as Announcement;
    } catch {
      return;
    }
    if (a?.v !== 1 || typeof a.node !== 'string' || a.node === this.identity.peerId || !Array.isArray(a.directory) || !Array.isArray(a.cells)) return;
    this.registry.learn({ node: a.node, directory: a.directory.map(String), cells: a.cells, via, seenAt: Date.now() });
  }

  private async askNodeInfo(peer: PeerId): Promise<void> {
    const stream = await this.p2p.dialProtocol(peer, NODE_INFO_PROTOCOL, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
    let text = '';
    for await (const chunk of stream) {
      text += new TextDecoder().decode(chunk.subarray());
      if (text.includes('\n') || text.length > 1 << 20) break;
    }
    await stream.close().catch(() => undefined);
    this.onAnnouncement(new TextEncoder().encode(text), 'node-info');
  }

  /** Announces (gossip) and provides (DHT) this node's cells now; call when they change. */
  announceSoon(): void {
    if (this.announceTimer) return;
    this.announceTimer = setTimeout(() => {
      this.announceTimer = undefined;
      void this.announce();
    }, 100);
  }

  private async announce(): Promise<void> {
    const { config } = this.options;
    const cells = this.servedCells();
    if (config.discovery.includes('gossip')) {
      const message: Announcement = { v: 1, node: this.identity.peerId, directory: this.directoryAddresses(), cells };
      await this.p2p.services.pubsub.publish(ANNOUNCE_TOPIC, new TextEncoder().encode(JSON.stringify(message))).catch(() => undefined);
    }
    if (config.discovery.includes('dht')) {
      for (const c of cells) {
        for (const major of [Number.parseInt(c.version, 10), null]) {
          const key = `${c.name}@${major ?? '*'}`;
          if (this.provided.has(key)) continue;
          try {
            await this.p2p.contentRouting.provide(await cellKey(c.name, major), { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
            this.provided.add(key);
          } catch (err) {
            this.log.debug({ err, cell: c.name }, 'could not provide a cell in the DHT yet');
          }
        }
      }
    }
  }

  /** Nodes serving a cell, found through the DHT (wide area). */
  private async lookupDht(name: string, major: number | null): Promise<void> {
    const key = await cellKey(name, major);
    const signal = AbortSignal.timeout(LOOKUP_TIMEOUT_MS);
    const asked: Array<Promise<void>> = [];
    try {
      for await (const provider of this.p2p.contentRouting.findProviders(key, { signal })) {
        if (provider.id.equals(this.p2p.peerId)) continue;
        asked.push(this.askNodeInfo(provider.id).catch((err: unknown) => this.log.debug({ err, peer: provider.id.toString() }, 'node-info failed')));
        if (asked.length >= 10) break;
      }
    } catch (err) {
      this.log.debug({ err, cell: name }, 'DHT lookup ended');
    }
    await Promise.all(asked);
  }

  private directoryOf(node: string | undefined, address: string): Synapse<typeof nodeContract> {
    const id = `${node ?? '?'}@${address}`;
    let d = this.directories.get(id);
    if (!d) {
      const { host, port } = splitHostPort(address);
      d = connect(nodeContract, { axon: { host, port, key: node }, credentials: this.credentials, timeoutMs: LOOKUP_TIMEOUT_MS, connectTimeoutMs: LOOKUP_TIMEOUT_MS });
      this.directories.set(id, d);
    }
    return d;
  }

  /** Asks a node's directory where it serves a cell; trusts only answers about the node itself. */
  private async askDirectory(node: string | undefined, addresses: string[], name: string, major: number | null): Promise<RemoteCandidate[]> {
    for (const address of addresses) {
      const directory = this.directoryOf(node, address);
      try {
        const remote = await directory.$connect();
        const r = await directory.resolve({ name, major });
        return r.candidates.filter((c) => c.node === remote.node);
      } catch (err) {
        this.log.debug({ err, node, address }, 'directory did not answer');
        await directory.$close();
        this.directories.delete(`${node ?? '?'}@${address}`);
      }
    }
    return [];
  }

  /**
   * Candidates on other nodes for a cell: at a static address (`via`), else from nodes known to
   * serve it (announcements, mDNS, bootstrap), else from the DHT.
   */
  resolve(name: string, major: number | null, via: string | null): Promise<RemoteCandidate[]> {
    const key = `${name}@${major ?? '*'}|${via ?? ''}`;
    const cached = this.resolved.get(key);
    if (cached && Date.now() - cached.at < RESOLVE_CACHE_MS) return cached.value;
    const value = this.resolveNow(name, major, via);
    this.resolved.set(key, { at: Date.now(), value });
    return value;
  }

  private async resolveNow(name: string, major: number | null, via: string | null): Promise<RemoteCandidate[]> {
    if (via) {
      const { node, host, port } = parseAxonUrl(via);
      if (node) keyFromPeerId(node); // a malformed pinned key is an error, not a silent TOFU
      return this.askDirectory(node, [`${host}:${port}`], name, major);
    }
    let nodes = this.registry.serving(name, major);
    if (nodes.length === 0 && this.options.config.discovery.includes('dht')) {
      await this.lookupDht(name, major);
      nodes = this.registry.serving(name, major);
    }
    const answers = await Promise.all(nodes.map((n) => this.askDirectory(n.node, n.directory, name, major)));
    return answers.flat();
  }

  /** The genome a remote cell serves (for bindings of a dependency on another node). */
  async remoteGenome(name: string, major: number | null, via: string | null): Promise<Genome | undefined> {
    for (const c of await this.resolve(name, major, via)) {
      const genome = await fetchGenome({ axon: { host: c.host, port: c.port, key: c.node }, credentials: this.credentials, connectTimeoutMs: LOOKUP_TIMEOUT_MS });
      if (genome) return genome;
    }
    return undefined;
  }

  /** What `cell status` shows of the network. */
  status(): { node: string; directory: string[]; p2p: string[]; peers: number; known: Array<{ node: string; cells: string[]; via: string; ageMs: number }> } {
    return {
      node: this.identity.peerId,
      directory: this.directoryAddresses(),
      p2p: this.p2pAddresses(),
      peers: this.p2p.getPeers().length,
      known: this.registry.all().map((n) => ({ node: n.node, cells: n.cells.map((c) => `${c.name}@${c.version}`), via: n.via, ageMs: Date.now() - n.seenAt })),
    };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.announceTimer) clearTimeout(this.announceTimer);
    await Promise.all([...this.directories.values()].map((d) => d.$close()));
    await this.directory.stop({ graceMs: 200 });
    await this.p2p.stop();
  }
}
