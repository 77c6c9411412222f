import type { Clock } from '../clock.ts';
import type { WireLogger } from '../logger.ts';
import type { AxonCredentials } from '../transport/axon-transport.ts';
import type { Endpoint } from './candidates.ts';
import type { SynapseConnection, SynapseConnectionConfig } from './synapse-connection.ts';

/** What a synapse knows about the cell it is connected to. */
export interface RemoteInfo {
  name: string;
  version: string;
  fingerprint: string;
  replica: string | undefined;
  pid: number | undefined;
  /** The serving node's key (peer id), when connected over an axon. */
  node: string | undefined;
}

export interface PoolConfig {
  /** The local sockets to use right now (one, or a cell's replicas). */
  endpoints(): Endpoint[];
  /** Candidates on other nodes (asked of the nucleus), refreshed in the background. */
  remoteEndpoints: (() => Promise<Endpoint[]>) | undefined;
  /** True when endpoints come and go (replicas): refresh them and fail over between them. */
  discovers: boolean;
  /** Starts the cell when no endpoint answers (on-demand start), within `timeoutMs`. */
  startCell: ((timeoutMs: number) => Promise<void>) | undefined;
  /** For error messages: what this pool talks to. */
  describe: string;
  defaultTimeoutMs: number;
  connectTimeoutMs: number;
  connection: Omit<SynapseConnectionConfig, 'handshakeTimeoutMs' | 'log' | 'onEvent' | 'clock'>;
  log: WireLogger;
  clock: Clock;
  /** Source of randomness for the racer. */
  random: () => number;
  /** Refuses an incompatible cell right after its handshake; undefined when it fits at once. */
  check(conn: SynapseConnection): Promise<void> | undefined;
  /** This node's TLS identity for axon candidates, if it has one. */
  credentials: () => AxonCredentials | undefined;
}
