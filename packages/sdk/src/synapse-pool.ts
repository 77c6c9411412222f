import type { Socket } from 'node:net';
import { CellError, isCellError } from '@cell/protocol';
import type { TLSSocket } from 'node:tls';
import { type AxonCredentials, connectAxon, loadAxonCredentials, peerKeyOf } from './axon-transport.ts';
import { peerIdFromKey } from './peer-key.ts';
import type { CallOptions } from './contract-types.ts';
import type { Logger } from './logger.ts';
import { SynapseConnection, type SynapseConnectionConfig, type WireCallOptions } from './synapse-connection.ts';
import type { RemoteInfo } from './synapse.ts';
import { connectUnix } from './unix-transport.ts';

/** Where a candidate serves: a local replica's Unix socket, or another node's cell over an axon. */
export type Endpoint =
  | { kind: 'unix'; path: string }
  | { kind: 'axon'; host: string; port: number; key: Buffer | undefined; node: string | undefined };

/** What `cell status` shows per dependency: each candidate and how the racer sees it. */
export interface CandidateStats {
  endpoint: string;
  local: boolean;
  node: string | null;
  connected: boolean;
  /** Round-trip estimate (peak EWMA). */
  latencyMs: number | null;
  inFlight: number;
  /** The racer's score: lower wins. */
  score: number | null;
  calls: number;
  /** Fraction of this synapse's calls the candidate served. */
  share: number;
}

export interface PoolConfig {
  /** The local sockets to use right now (one, or a cell's replicas). */
  endpoints(): Endpoint[];
  /** Candidates on other nodes (asked of the nucleus), refreshed in the background. */
  remoteEndpoints: (() => Promise<Endpoint[]>) | undefined;
  /** True when endpoints come and go (replicas): refresh them and fail over between them. */
  discovers: boolean;
  /** Starts the cell when no endpoint answers (on-demand spawn). */
  startCell: (() => Promise<void>) | undefined;
  /** For error messages: what this pool talks to. */
  describe: string;
  defaultTimeoutMs: number;
  connectTimeoutMs: number;
  connection: Omit<SynapseConnectionConfig, 'handshakeTimeoutMs' | 'log' | 'onEvent'>;
  log: Logger;
  /** Refuses an incompatible cell right after its handshake. */
  check(conn: SynapseConnection): Promise<void>;
  /** This node's TLS identity for axon candidates (default: `CELL_IDENTITY_FILE`). */
  credentials: AxonCredentials | undefined;
}

interface Candidate {
  id: string;
  endpoint: Endpoint;
  conn: SynapseConnection | undefined;
  opening: Promise<SynapseConnection> | undefined;
  /** Epoch ms before which a failed candidate is not retried (replica pools only). */
  retryAt: number;
  failures: number;
  /** Calls it served on connections that have since closed. */
  pastCalls: number;
}

const REFRESH_MS = 1000;
const REMOTE_REFRESH_MS = 5000;
const MAX_FAILOVERS = 4;
/** A remote candidate must be this much better than a local one to win (`prefer local when comparable`). */
const REMOTE_PENALTY = 1.5;
/** Over an axon, a peer silent this long with calls in flight is pinged; twice as long, dropped. */
const AXON_LIVENESS_MS = 750;
/** Candidates kept per dependency. */
export const MAX_CANDIDATES = 10;

function endpointId(e: Endpoint): string {
  return e.kind === 'unix' ? e.path : `axon://${e.node ? `${e.node}@` : ''}${e.host}:${e.port}`;
}

function isRetryable(err: unknown): boolean {
  return isCellError(err) && err.code === 'CELL_E_UNAVAILABLE';
}

/** Lower is better: expected wait for one more call on this connection. */
function score(c: SynapseConnection, local: boolean): number {
  const latency = c.latency?.ms ?? 1;
  return (latency + 0.01) * (c.inFlight + 1) * (local ? 1 : REMOTE_PENALTY);
}

/**
 * The connections of one synapse: to one socket, or to every candidate for a dependency — its
 * local replicas and the same cell on other nodes. Picks where each call goes (least busy local
 * replica; with remote candidates, the racer's power of two choices over latency x load, local
 * preferred when comparable), opens connections on demand, fails a call over to another
 * candidate when its own dies, and starts the cell when nothing answers.
 */
export class SynapsePool {
  readonly defaultTimeoutMs: number;
  private readonly config: PoolConfig;
  private readonly candidates = new Map<string, Candidate>();
  private live: Array<{ conn: SynapseConnection; candidate: Candidate }> = [];
  private remoteCandidates: Endpoint[] = [];
  private turn = 0;
  private closed = false;
  private refreshAt = 0;
  private remoteRefreshAt = 0;
  private remoteRefreshing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private credentials: AxonCredentials | undefined;
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  constructor(config: PoolConfig) {
    this.config = config;
    this.defaultTimeoutMs = config.defaultTimeoutMs;
  }

  /** The connection the next call should use, if one is ready (the hot path: no I/O, no promise). */
  ready(): SynapseConnection | undefined {
    const live = this.live;
    const n = live.length;
    // Candidates come and go (replicas restart, nodes join): look again now and then, even while
    // one connection serves everything.
    if (this.config.discovers && Date.now() >= this.refreshAt) this.refreshInBackground();
    if (n === 1) {
      const only = live[0]!.conn;
      return only.isUsable ? only : undefined;
    }
    if (n === 0) return undefined;
    if (this.remoteCandidates.length === 0) {
      // Local replicas only: least calls in flight; ties rotate so idle replicas share sequential traffic.
      const start = (this.turn = (this.turn + 1) % n);
      let best: SynapseConnection | undefined;
      for (let i = 0; i < n; i++) {
        const c = live[(start + i) % n]!.conn;
        if (c.isUsable && (!best || c.inFlight < best.inFlight)) best = c;
      }
      return best;
    }
    // The racer: power of two random choices by score.
    const usable = live.filter((l) => l.conn.isUsable);
    if (usable.length <= 2) return this.better(usable[0], usable[1]);
    const i = Math.floor(Math.random() * usable.length);
    let j = Math.floor(Math.random() * (usable.length - 1));
    if (j >= i) j++;
    return this.better(usable[i], usable[j]);
  }

  private better(
    a: { conn: SynapseConnection; candidate: Candidate } | undefined,
    b: { conn: SynapseConnection; candidate: Candidate } | undefined,
  ): SynapseConnection | undefined {
    if (!a || !b) return (a ?? b)?.conn;
    const sa = score(a.conn, a.candidate.endpoint.kind === 'unix');
    const sb = score(b.conn, b.candidate.endpoint.kind === 'unix');
    return sa <= sb ? a.conn : b.conn;
  }

  /** A usable connection, opened (and the cell started) if needed. */
  connection(): Promise<SynapseConnection> {
    if (this.closed) return Promise.reject(new CellError('CELL_E_CLOSED', 'this synapse was closed'));
    const c = this.ready();
    return c ? Promise.resolve(c) : this.establish();
  }

  unary(method: string | Buffer, input: unknown, options: CallOptions | undefined): Promise<unknown> {
    const conn = this.ready();
    const first = conn ? conn.unary(method, input, options, this.defaultTimeoutMs) : this.connection().then((c) => c.unary(method, input, options, this.defaultTimeoutMs));
    if (!this.config.discovers) return first;
    const startedAt = Date.now();
    return first.catch((err: unknown) => this.failover(err, method, input, options, startedAt, 1));
  }

  /** Retries a call whose candidate died on another one, within the call's own deadline. */
  private failover(err: unknown, method: string | Buffer, input: unknown, options: CallOptions | undefined, startedAt: number, attempt: number): Promise<unknown> {
    if (!isRetryable(err) || attempt > MAX_FAILOVERS || options?.signal?.aborted || this.closed) return Promise.reject(err);
    const left = (options?.timeoutMs ?? this.defaultTimeoutMs) - (Date.now() - startedAt);
    if (left <= 0) return Promise.reject(err);
    const retry: WireCallOptions = { signal: options?.signal, timeoutMs: left, trace: options?.trace, traceId: options?.traceId };
    this.config.log.debug({ attempt, err }, 'failing a call over to another candidate');
    return this.connection()
      .then((c) => c.unary(method, input, retry))
      .catch((e: unknown) => this.failover(e, method, input, options, startedAt, attempt + 1));
  }

  private syncCandidates(): void {
    const endpoints = [...this.config.endpoints(), ...this.remoteCandidates.slice(0, MAX_CANDIDATES)];
    const ids = new Set<string>();
    for (const endpoint of endpoints) {
      const id = endpointId(endpoint);
      ids.add(id);
      if (!this.candidates.has(id)) this.candidates.set(id, { id, endpoint, conn: undefined, opening: undefined, retryAt: 0, failures: 0, pastCalls: 0 });
    }
    for (const [id, c] of this.candidates) if (!ids.has(id) && !c.conn && !c.opening) this.candidates.delete(id);
  }

  private refreshInBackground(): void {
    this.refreshAt = Date.now() + REFRESH_MS;
    this.refreshRemote();
    this.syncCandidates();
    const now = Date.now();
    for (const c of this.candidates.values()) {
      if (!c.conn?.isUsable && !c.opening && c.retryAt <= now) this.open(c).catch(() => undefined);
    }
  }

  /** Asks for remote candidates again (at most every few seconds, never two at once). */
  private refreshRemote(force = false): Promise<void> {
    const provider = this.config.remoteEndpoints;
    if (!provider || this.remoteRefreshing || (!force && Date.now() < this.remoteRefreshAt)) return this.remoteRefreshing ?? Promise.resolve();
    this.remoteRefreshAt = Date.now() + REMOTE_REFRESH_MS;
    this.remoteRefreshing = provider()
      .then(
        (endpoints) => {
          this.remoteCandidates = endpoints;
        },
        (err: unknown) => this.config.log.debug({ err }, 'could not refresh remote candidates'),
      )
      .finally(() => (this.remoteRefreshing = undefined));
    return this.remoteRefreshing;
  }

  private async establish(): Promise<SynapseConnection> {
    let lastError: unknown;
    for (let round = 0; round < 3; round++) {
      if (round > 0 || this.remoteCandidates.length === 0) await this.refreshRemote(round > 0);
      this.syncCandidates();
      const now = Date.now();
      const all = [...this.candidates.values()];
      // Prefer candidates not in backoff, but try the others rather than fail.
      const fresh = all.filter((c) => c.retryAt <= now);
      const attempts = (fresh.length > 0 ? fresh : all).map((c) => (c.conn?.isUsable ? Promise.resolve(c.conn) : this.open(c)));
      if (attempts.length > 0) {
        try {
          return await Promise.any(attempts);
        } catch (err) {
          const errors = (err as AggregateError).errors ?? [err];
          const decisive = errors.find((e: unknown) => isCellError(e) && (e.code === 'CELL_E_SCHEMA_MISMATCH' || e.code === 'CELL_E_DENIED'));
          if (decisive) throw decisive;
          lastError = errors[0];
        }
      }
      if (this.closed) throw new CellError('CELL_E_CLOSED', 'this synapse was closed');
      if (round === 0 && this.config.startCell) {
        this.starting ??= this.config.startCell().finally(() => (this.starting = undefined));
        try {
          await this.starting;
        } catch (err) {
          lastError = err;
        }
        continue;
      }
      if (round === 1) break;
    }
    if (isCellError(lastError) && lastError.code === 'CELL_E_UNAVAILABLE') throw lastError;
    throw new CellError('CELL_E_UNAVAILABLE', `no candidate for ${this.config.describe} is reachable`, { cause: lastError });
  }

  private open(c: Candidate): Promise<SynapseConnection> {
    c.opening ??= this.connectTo(c).finally(() => (c.opening = undefined));
    return c.opening;
  }

  private async socketFor(endpoint: Endpoint): Promise<Socket> {
    if (endpoint.kind === 'unix') return connectUnix(endpoint.path, this.config.connectTimeoutMs);
    this.credentials ??= this.config.credentials ?? loadAxonCredentials();
    if (!this.credentials) throw new CellError('CELL_E_UNAVAILABLE', 'this process has no node identity (CELL_IDENTITY_FILE) to reach other nodes');
    return connectAxon(endpoint, this.credentials, this.config.connectTimeoutMs);
  }

  private async connectTo(c: Candidate): Promise<SynapseConnection> {
    const started = Date.now();
    try {
      const socket = await this.socketFor(c.endpoint);
      const node = c.endpoint.kind === 'axon' ? peerKeyOf(socket as TLSSocket) : undefined;
      const conn = await SynapseConnection.open(socket, {
        ...this.config.connection,
        handshakeTimeoutMs: Math.max(1, this.config.connectTimeoutMs - (Date.now() - started)),
        log: this.config.log,
        onEvent: (name, payload) => this.dispatchEvent(name, payload),
        trackLatency: this.config.discovers,
        remoteNode: node ? peerIdFromKey(node) : undefined,
        livenessMs: c.endpoint.kind === 'axon' ? AXON_LIVENESS_MS : undefined,
      });
      try {
        await this.config.check(conn);
      } catch (err) {
        conn.close(err as CellError<string>);
        throw err;
      }
      if (this.closed) {
        conn.close(new CellError('CELL_E_CLOSED', 'this synapse was closed'));
        throw new CellError('CELL_E_CLOSED', 'this synapse was closed');
      }
      c.conn = conn;
      c.failures = 0;
      c.retryAt = 0;
      this.live = [...this.live, { conn, candidate: c }];
      conn.onceClosed(() => {
        c.pastCalls += conn.calls;
        if (c.conn === conn) c.conn = undefined;
        this.live = this.live.filter((l) => l.conn !== conn);
        // A candidate that vanished is retried later, with backoff.
        if (this.config.discovers) c.retryAt = Date.now() + Math.min(5000, 50 * 2 ** c.failures);
      });
      this.config.log.debug({ peer: conn.remote.name, replica: conn.remote.replica, endpoint: c.id }, 'synapse connected');
      return conn;
    } catch (err) {
      c.failures++;
      if (this.config.discovers) c.retryAt = Date.now() + Math.min(5000, 25 * 2 ** c.failures);
      throw err;
    }
  }

  private dispatchEvent(name: string, payload: unknown): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const l of set) {
      try {
        l(payload);
      } catch (err) {
        this.config.log.error({ err, event: name }, 'event listener failed');
      }
    }
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  remoteOf(conn: SynapseConnection): RemoteInfo {
    const r = conn.remote;
    return { name: r.name, version: r.version, fingerprint: r.fingerprint, replica: r.replica, pid: r.pid, node: conn.remoteNode };
  }

  remote(): RemoteInfo | undefined {
    const c = this.live[0]?.conn;
    return c && this.remoteOf(c);
  }

  /** Every candidate with its latency, load, score and share of calls. */
  stats(): CandidateStats[] {
    const rows = [...this.candidates.values()].map((c) => {
      const local = c.endpoint.kind === 'unix';
      const conn = c.conn;
      return {
        endpoint: c.id,
        local,
        node: c.endpoint.kind === 'axon' ? (c.endpoint.node ?? conn?.remoteNode ?? null) : null,
        connected: Boolean(conn?.isOpen),
        latencyMs: conn?.latency ? Math.round(conn.latency.ms * 1000) / 1000 : null,
        inFlight: conn?.inFlight ?? 0,
        score: conn ? Math.round(score(conn, local) * 1000) / 1000 : null,
        calls: c.pastCalls + (conn?.calls ?? 0),
        share: 0,
      };
    });
    const total = rows.reduce((s, r) => s + r.calls, 0);
    for (const r of rows) r.share = total > 0 ? Math.round((r.calls / total) * 1000) / 1000 : 0;
    return rows;
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns = this.live.map((l) => l.conn);
    this.live = [];
    await Promise.all(
      conns.map(
        (conn) =>
          new Promise<void>((resolve) => {
            conn.onceClosed(resolve);
            conn.close(new CellError('CELL_E_CLOSED', 'this synapse was closed'));
          }),
      ),
    );
  }
}
