import { bootstrap } from '@libp2p/bootstrap';
import { circuitRelayServer, circuitRelayTransport } from '@libp2p/circuit-relay-v2';
import { dcutr } from '@libp2p/dcutr';
import { gossipsub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { kadDHT } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { noise } from '@libp2p/noise';
import { ping } from '@libp2p/ping';
import { tcp } from '@libp2p/tcp';
import { yamux } from '@libp2p/yamux';
import type { CircuitRelayService } from '@libp2p/circuit-relay-v2';
import type { GossipSub } from '@libp2p/gossipsub';
import type { Identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import type { KadDHT } from '@libp2p/kad-dht';
import type { Ping } from '@libp2p/ping';
import type { Libp2pOptions } from 'libp2p';
import type { NetworkConfig } from '@cell/config';
import type { NodeIdentity } from './identity.ts';
import { MAX_ANNOUNCEMENT_BYTES } from './announcement.ts';

/** The DHT of Cell nodes only: a private protocol, so it never mixes with the public IPFS DHT. */
export const DHT_PROTOCOL = '/cell/kad/1.0.0';
/** Gossip topic on which nodes announce the cells they serve. */
export const ANNOUNCE_TOPIC = '/cell/announce/1';
/** Gossip topic on which nodes announce the signed manifests of trees published from them. */
export const PUBLISH_TOPIC = '/cell/publish/1';
/** Asks a node where its directory is and what it serves. */
export const NODE_INFO_PROTOCOL = '/cell/node-info/1.0.0';

/**
 * The libp2p configuration of a node: Noise, Yamux and TCP; identify and ping; mDNS on the LAN;
 * bootstrap peers and a Kademlia DHT (private protocol) for the wide area; gossipsub for
 * announcements; circuit relay and DCUtR for nodes behind NAT. Discovery, announcements and
 * content (bitswap, added by the node's Helia) travel here: calls go over axons (TLS with pinned
 * keys). Helia creates the one libp2p instance of a node from this (see `startP2pNode`).
 */
export function controlPlaneOptions(identity: NodeIdentity, config: NetworkConfig): Libp2pOptions<ControlPlaneServices> {
  const peerDiscovery = [];
  if (config.discovery.includes('mdns')) peerDiscovery.push(mdns({ interval: 1000, serviceTag: '_cell-node._udp.local' }));
  if (config.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: [...config.bootstrap], timeout: 100 }));
  return {
    privateKey: identity.privateKey,
    addresses: { listen: [`/ip4/${config.p2p.host}/tcp/${config.p2p.port}`] },
    transports: [tcp(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping(),
      // Private networks use private addresses: keep them (the default mapper drops them).
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: (peer) => peer }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
      relay: circuitRelayServer(),
      dcutr: dcutr(),
    },
  };
}

/** The services of a node's libp2p, by name. */
export interface ControlPlaneServices {
  [name: string]: unknown;
  identify: Identify;
  ping: Ping;
  dht: KadDHT;
  pubsub: GossipSub;
  relay: CircuitRelayService;
  dcutr: unknown;
}
/** A node's libp2p instance (created by its Helia). */
export type ControlPlane = Libp2p<ControlPlaneServices>;

/** Asks a peer what it serves over NODE_INFO_PROTOCOL: its announcement, read up to its first newline (bounded in bytes and time). */
export async function readNodeInfo(p2p: ControlPlane, peer: PeerId, timeoutMs: number): Promise<Uint8Array> {
  const stream = await p2p.dialProtocol(peer, NODE_INFO_PROTOCOL, { signal: AbortSignal.timeout(timeoutMs) });
  let text = '';
  for await (const chunk of stream) {
    text += new TextDecoder().decode(chunk.subarray());
    if (text.includes('\n') || text.length > MAX_ANNOUNCEMENT_BYTES) break;
  }
  await stream.close().catch(() => undefined);
  return new TextEncoder().encode(text);
}
