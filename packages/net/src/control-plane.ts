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
import { createLibp2p } from 'libp2p';
import type { NetworkConfig } from '@cell/config';
import type { NodeIdentity } from './identity.ts';

/** The DHT of Cell nodes only: a private protocol, so it never mixes with the public IPFS DHT. */
export const DHT_PROTOCOL = '/cell/kad/1.0.0';
/** Gossip topic on which nodes announce the cells they serve. */
export const ANNOUNCE_TOPIC = '/cell/announce/1';
/** Asks a node where its directory is and what it serves. */
export const NODE_INFO_PROTOCOL = '/cell/node-info/1.0.0';

/**
 * The control plane of a node: js-libp2p with Noise, Yamux and TCP; identify and ping; mDNS on
 * the LAN; bootstrap peers and a Kademlia DHT (private protocol) for the wide area; gossipsub
 * for announcements; circuit relay and DCUtR for nodes behind NAT. Only discovery and
 * announcements travel here: calls go over axons (TLS with pinned keys).
 */
export async function createControlPlane(identity: NodeIdentity, config: NetworkConfig) {
  const peerDiscovery = [];
  if (config.discovery.includes('mdns')) peerDiscovery.push(mdns({ interval: 1000, serviceTag: '_cell-node._udp.local' }));
  if (config.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: [...config.bootstrap], timeout: 100 }));
  return createLibp2p({
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
  });
}

export type ControlPlane = Awaited<ReturnType<typeof createControlPlane>>;
