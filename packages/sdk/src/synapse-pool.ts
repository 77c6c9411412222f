import { CellError, isCellError } from '@cell/protocol';
import type { CallOptions } from './contract-types.ts';
import type { Logger } from './logger.ts';
import { SynapseConnection, type SynapseConnectionConfig, type WireCallOptions } from './synapse-connection.ts';
import type { RemoteInfo } from './synapse.ts';
import { connectUnix } from './unix-transport.ts';

export interface PoolConfig {
  /** The sockets to use right now (one, or a cell's replicas). */
  endpoints(): string[];
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
}

interface Endpoint {
  path: string;
  conn: SynapseConnection | undefined;
  opening: Promise<SynapseConnection> | undefined;
  /** Epoch ms before which a failed endpoint is not retried (replica pools only). */
  retryAt: number;
  failures: number;
}

const REFRESH_MS = 1000;
const MAX_FAILOVERS = 4;

function isRetryable(err: unknown): boolean {
  return isCellError(err) && err.code === 'CELL_E_UNAVAILABLE';
}

/**
 * The connections of one synapse: to one socket, or to each replica of a local cell. Picks the
 * least busy ready connection, opens connections on demand, and (for replicas) fails a call over
 * to another replica when its own dies, starting the cell when none is running.
 */
export class SynapsePool {
  readonly defaultTimeoutMs: number;
  private readonly config: PoolConfig;
  private readonly endpoints = new Map<string, Endpoint>();
  private live: SynapseConnection[] = [];
  private turn = 0;
  private closed = false;
  private refreshAt = 0;
  private starting: Promise<void> | undefined;
  private readonly listeners = new Map<string, Set<(payload: unknown) => void>>();

  constructor(config: PoolConfig) {
    this.config = config;
    this.defaultTimeoutMs = config.defaultTimeoutMs;
  }

  /** The least busy usable connection, if any (the hot path: no I/O, no promise). */
  ready(): SynapseConnection | undefined {
    const live = this.live;
    if (live.length === 1) {
      const only = live[0]!;
      if (only.isUsable) return only;
    }
    if (this.config.discovers && Date.now() >= this.refreshAt) this.refreshInBackground();
    // Least calls in flight; ties rotate so idle replicas share sequential traffic too.
    const n = live.length;
    const start = (this.turn = (this.turn + 1) % Math.max(1, n));
    let best: SynapseConnection | undefined;
    for (let i = 0; i < n; i++) {
      const c = live[(start + i) % n]!;
      if (c.isUsable && (!best || c.inFlight < best.inFlight)) best = c;
    }
    return best;
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

  /** Retries a call whose replica died on another one, within the call's own deadline. */
  private failover(err: unknown, method: string | Buffer, input: unknown, options: CallOptions | undefined, startedAt: number, attempt: number): Promise<unknown> {
    if (!isRetryable(err) || attempt > MAX_FAILOVERS || options?.signal?.aborted || this.closed) return Promise.reject(err);
    const left = (options?.timeoutMs ?? this.defaultTimeoutMs) - (Date.now() - startedAt);
    if (left <= 0) return Promise.reject(err);
    const retry: WireCallOptions = { signal: options?.signal, timeoutMs: left, trace: options?.trace, traceId: options?.traceId };
    this.config.log.debug({ attempt, err }, 'failing a call over to another replica');
    return this.connection()
      .then((c) => c.unary(method, input, retry))
      .catch((e: unknown) => this.failover(e, method, input, options, startedAt, attempt + 1));
  }

  private syncEndpoints(): void {
    const paths = new Set(this.config.endpoints());
    for (const p of paths) if (!this.endpoints.has(p)) this.endpoints.set(p, { path: p, conn: undefined, opening: undefined, retryAt: 0, failures: 0 });
    for (const [p, ep] of this.endpoints) if (!paths.has(p) && !ep.conn && !ep.opening) this.endpoints.delete(p);
  }

  private refreshInBackground(): void {
    this.refreshAt = Date.now() + REFRESH_MS;
    this.syncEndpoints();
    const now = Date.now();
    for (const ep of this.endpoints.values()) {
      if (!ep.conn?.isUsable && !ep.opening && ep.retryAt <= now) this.open(ep).catch(() => undefined);
    }
  }

  private async establish(): Promise<SynapseConnection> {
    let lastError: unknown;
    for (let round = 0; round < 2; round++) {
      this.syncEndpoints();
      const now = Date.now();
      const candidates = [...this.endpoints.values()];
      // Prefer endpoints not in backoff, but try the others rather than fail.
      const fresh = candidates.filter((ep) => ep.retryAt <= now);
      const attempts = (fresh.length > 0 ? fresh : candidates).map((ep) => (ep.conn?.isUsable ? Promise.resolve(ep.conn) : this.open(ep)));
      if (attempts.length > 0) {
        try {
          return await Promise.any(attempts);
        } catch (err) {
          const errors = (err as AggregateError).errors ?? [err];
          const mismatch = errors.find((e: unknown) => isCellError(e) && e.code === 'CELL_E_SCHEMA_MISMATCH');
          if (mismatch) throw mismatch;
          lastError = errors[0];
        }
      }
      if (this.closed) throw new CellError('CELL_E_CLOSED', 'this synapse was closed');
      if (round === 0 && this.config.startCell) {
        this.starting ??= this.config.startCell().finally(() => (this.starting = undefined));
        await this.starting;
        continue;
      }
      break;
    }
    if (isCellError(lastError) && lastError.code === 'CELL_E_UNAVAILABLE') throw lastError;
    throw new CellError('CELL_E_UNAVAILABLE', `no replica of ${this.config.describe} is reachable`, { cause: lastError });
  }

  private open(ep: Endpoint): Promise<SynapseConnection> {
    ep.opening ??= this.connectTo(ep).finally(() => (ep.opening = undefined));
    return ep.opening;
  }

  private async connectTo(ep: Endpoint): Promise<SynapseConnection> {
    const started = Date.now();
    try {
      const socket = await connectUnix(ep.path, this.config.connectTimeoutMs);
      const conn = await SynapseConnection.open(socket, {
        ...this.config.connection,
        handshakeTimeoutMs: Math.max(1, this.config.connectTimeoutMs - (Date.now() - started)),
        log: this.config.log,
        onEvent: (name, payload) => this.dispatchEvent(name, payload),
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
      ep.conn = conn;
      ep.failures = 0;
      ep.retryAt = 0;
      this.live = [...this.live, conn];
      conn.onceClosed(() => {
        if (ep.conn === conn) ep.conn = undefined;
        this.live = this.live.filter((c) => c !== conn);
      });
      this.config.log.debug({ peer: conn.remote.name, replica: conn.remote.replica }, 'synapse connected');
      return conn;
    } catch (err) {
      ep.failures++;
      if (this.config.discovers) ep.retryAt = Date.now() + Math.min(1000, 25 * 2 ** ep.failures);
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
    return { name: r.name, version: r.version, fingerprint: r.fingerprint, replica: r.replica, pid: r.pid };
  }

  remote(): RemoteInfo | undefined {
    const c = this.live[0];
    return c && this.remoteOf(c);
  }

  async close(): Promise<void> {
    this.closed = true;
    const conns = this.live;
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
