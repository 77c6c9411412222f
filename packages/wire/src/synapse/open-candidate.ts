import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { CellError } from '@cell/protocol';
import type { Clock } from '../clock.ts';
import type { WireLogger } from '../logger.ts';
import { type AxonCredentials, connectAxon, peerKeyOf } from '../transport/axon-transport.ts';
import { peerIdFromKey } from '../transport/peer-key.ts';
import { connectUnix } from '../transport/unix-transport.ts';
import { type Endpoint, endpointId } from './candidates.ts';
import { SynapseConnection, type SynapseConnectionConfig } from './synapse-connection.ts';

/** Over an axon, a peer silent this long with calls in flight is pinged; twice as long, dropped. */
export const AXON_LIVENESS_MS = 750;

/** What opening a connection to a candidate needs. */
export interface OpenOptions {
  connectTimeoutMs: number;
  connection: Omit<SynapseConnectionConfig, 'handshakeTimeoutMs' | 'log' | 'onEvent' | 'clock'>;
  log: WireLogger;
  clock: Clock;
  trackLatency: boolean;
  /**
   * Send the first calls with the handshake to a membrane reached before (see LateHello): only
   * for a fixed endpoint. A pool racing several candidates must see a refusing or hung replica
   * lose the race at its handshake, not after calls went to it.
   */
  early: boolean;
  onEvent(name: string, payload: unknown): void;
  /** Refuses an incompatible cell right after its handshake; undefined when it fits at once (nothing to wait for). */
  check(conn: SynapseConnection): Promise<void> | undefined;
  credentials(): AxonCredentials | undefined;
  /** The owner closed meanwhile: the new connection is closed at once. */
  isClosed(): boolean;
}

function socketFor(endpoint: Endpoint, options: OpenOptions): Promise<Socket> {
  if (endpoint.kind === 'unix') return connectUnix(endpoint.path, options.connectTimeoutMs, { borrowedReads: true });
  const credentials = options.credentials();
  if (!credentials) return Promise.reject(new CellError('CELL_E_UNAVAILABLE', 'this process has no node identity (CELL_IDENTITY_FILE) to reach other nodes'));
  return connectAxon(endpoint, credentials, options.connectTimeoutMs, { borrowedReads: true });
}

/**
 * Connects to one candidate (a Unix socket, or an axon pinned to the node's key), handshakes
 * within what is left of the connect timeout, and checks the cell's genome fits ours.
 */
export async function openCandidate(endpoint: Endpoint, options: OpenOptions): Promise<SynapseConnection> {
  const started = options.clock.now();
  const socket = await socketFor(endpoint, options);
  const node = endpoint.kind === 'axon' ? peerKeyOf(socket as TLSSocket) : undefined;
  const conn = await SynapseConnection.open(socket, {
    ...options.connection,
    handshakeTimeoutMs: Math.max(1, options.connectTimeoutMs - (options.clock.now() - started)),
    log: options.log,
    clock: options.clock,
    onEvent: options.onEvent,
    trackLatency: options.trackLatency,
    remoteNode: node ? peerIdFromKey(node) : undefined,
    livenessMs: endpoint.kind === 'axon' ? AXON_LIVENESS_MS : undefined,
    // Remembered by endpoint (an axon's pinned to its node key): a membrane reached before gets its first calls with our HELLO.
    helloKey: options.early ? endpointId(endpoint) : undefined,
  });
  const checking = options.check(conn);
  if (checking !== undefined) {
    try {
      await checking;
    } catch (err) {
      conn.close(err as CellError<string>);
      throw err;
    }
  }
  if (options.isClosed()) {
    const closed = new CellError('CELL_E_CLOSED', 'this synapse was closed');
    conn.close(closed);
    throw closed;
  }
  return conn;
}
