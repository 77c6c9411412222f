import type { NetworkConfig } from '@cell/config';
import type { Logger } from '@cell/sdk';
import type { Registry } from 'prom-client';
import { loadOrCreateIdentity } from './identity.ts';
import { type LocalServedCell, NodeNetwork } from './node-network.ts';

/** What a tree's nucleus needs to join the network (the runtime's `TreeNetworkContext`). */
export interface JoinContext {
  config: NetworkConfig;
  root: string;
  log: Logger;
  localCells(): LocalServedCell[];
  /** The tree's Prometheus registry: libp2p's metrics go into it. */
  metricsRegistry?: Registry | undefined;
}

/**
 * Joins the network as this machine's node (its identity from `CELL_HOME`, created on first use):
 * what the CLI injects into the nucleus of a tree with `[network]`.
 */
export async function joinNetwork(context: JoinContext): Promise<NodeNetwork> {
  return NodeNetwork.start({ identity: await loadOrCreateIdentity(), ...context });
}
