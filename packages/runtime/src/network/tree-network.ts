import type { Static } from 'typebox';
import type { NetworkConfig } from '@cell/config';
import type { Genome } from '@cell/contract';
import type { RemoteCandidate, ReplicaSpan, TreeStatus } from '@cell/host';
import type { Logger } from '@cell/sdk';
import type { Registry } from 'prom-client';

/** A cell this node serves to others: its genome summary and the axon ports of its ready replicas. */
export interface LocalServedCell {
  name: string;
  version: string;
  fingerprint: string;
  ports: number[];
}

/** What `cell status` shows of the network. */
export type NetworkStatus = NonNullable<TreeStatus['network']>;

/**
 * What the nucleus needs of the network its tree runs on. Built by the CLI from `@cell/net` only
 * when the tree has `[network]` (a local tree never loads the P2P engine), and injected.
 */
export interface TreeNetwork {
  /** The node identity file cells read their TLS credentials from (`CELL_IDENTITY_FILE`). */
  readonly identityFile: string;
  /** Candidates on other nodes for a cell. */
  resolve(name: string, major: number | null, via: string | null): Promise<Array<Static<typeof RemoteCandidate>>>;
  /** The genome a candidate serves (asked over an axon pinned to its key). */
  genomeOf(candidate: Static<typeof RemoteCandidate>): Promise<Genome | undefined>;
  /** The cells this node serves changed: announce them soon. */
  announceSoon(): void;
  /** The spans other nodes' cells keep of one trace (its whole id), each marked with the node that recorded it. */
  remoteSpans?(trace: string): Promise<ReplicaSpan[]>;
  status(): Omit<NetworkStatus, 'refused'>;
  stop(): Promise<void>;
}

/** What a network is built from. */
export interface TreeNetworkContext {
  config: NetworkConfig;
  /** Root directory of the tree. */
  root: string;
  log: Logger;
  /** The cells this node serves right now. */
  localCells(): LocalServedCell[];
  /** The spans this node's cells keep of one trace, for other nodes that ask with its whole id. */
  localSpans?(trace: string): Promise<ReplicaSpan[]>;
  /** The tree's Prometheus registry (when its metrics are on): the network adds libp2p's metrics to it. */
  metricsRegistry?: Registry | undefined;
}

/** Joins the network for a tree (the CLI passes `@cell/net`'s, loaded lazily). */
export type TreeNetworkFactory = (context: TreeNetworkContext) => Promise<TreeNetwork>;
