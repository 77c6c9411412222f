export { loadOrCreateIdentity, type NodeIdentity } from './identity.ts';
export { NodeNetwork, type LocalServedCell, type NodeNetworkOptions } from './node-network.ts';
export { joinNetwork, type JoinContext } from './start-node-network.ts';
export { parseAxonUrl } from './addresses.ts';
export { nodeContract } from './node-contract.ts';
export { startP2pNode, contentDir, type P2pNode, type P2pNodeOptions } from './p2p-node.ts';
export { ContentStore, type FetchOptions } from './content-store.ts';
export { readPublished, recordPublished, parsePublicationNotice, type PublishedTree, type PublicationNotice } from './publications.ts';
export { openBlockstore, announcePublished, type AnnouncePublishedOptions, type AnnounceOutcome } from './publication-announce.ts';
