export { DEFAULT_LIMITS, MIN_FRAME_BYTES, MIN_WINDOW_BYTES, type ConnectionLimits } from './limits.ts';
export { type Clock, type TimerHandle, systemClock, MAX_TIMER_MS } from './clock.ts';
export { type WireLogger, silentLogger } from './logger.ts';
export { MethodStats, DURATION_BUCKETS_MS, type MethodStatsSnapshot } from './membrane/method-stats.ts';
export { SpanLog, type SpanRecord, type SpanQuery } from './membrane/span-log.ts';
export { PROTOCOL_VERSION, GENOME_METHOD } from './connection/handshake.ts';
export {
  type MethodEntry,
  type MethodShape,
  type Validator,
  type ValidationIssue,
  type CallerInfo,
  type CallHandle,
  type ContextHost,
} from './membrane/method-entry.ts';
export { MembraneSession, type RemotePeer } from './membrane/membrane-session.ts';
export type { SessionHost, MembraneLimits } from './membrane/session-host.ts';
export { SynapsePool } from './synapse/synapse-pool.ts';
export type { PoolConfig, RemoteInfo } from './synapse/pool-config.ts';
export type { SynapseConnection } from './synapse/synapse-connection.ts';
export type { WireCallOptions } from './synapse/pending-calls.ts';
export { type Endpoint, type CandidateStats, MAX_CANDIDATES } from './synapse/candidates.ts';
export { listenUnix, listenUnixFd, connectUnix, probeSocket, MAX_SOCKET_PATH_BYTES, type ListenOptions } from './transport/unix-transport.ts';
export { borrowedReadsOf } from './transport/borrowed-reads.ts';
export { peerCredentials, isLocalPeerAllowed, type PeerCredentials } from './transport/peer-credentials.ts';
export { libc, type Libc } from './native/libc.ts';
export { listenAxon, connectAxon, loadAxonCredentials, peerKeyOf, type AxonCredentials, type AxonEndpoint } from './transport/axon-transport.ts';
export { peerIdFromKey, keyFromPeerId, isPeerId } from './transport/peer-key.ts';
