export { loadOrCreateIdentity, cellHome, type NodeIdentity } from './identity.ts';
export { NodeNetwork, parseAxonUrl, type LocalServedCell, type NodeNetworkOptions } from './node-network.ts';
export { nodeContract } from './node-contract.ts';
