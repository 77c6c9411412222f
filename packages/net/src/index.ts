export { loadOrCreateIdentity, cellHome, type NodeIdentity } from './identity.ts';
export { NodeNetwork, type LocalServedCell, type NodeNetworkOptions } from './node-network.ts';
export { joinNetwork, type JoinContext } from './start-node-network.ts';
export { parseAxonUrl } from './addresses.ts';
export { nodeContract } from './node-contract.ts';
