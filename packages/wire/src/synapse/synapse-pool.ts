import { CellError, isCellError } from '@cell/protocol';
import type { Clock } from '../clock.ts';
import { Candidate, type CandidateStats, type Endpoint, endpointId, LiveConnection, MAX_CANDIDATES, withShares } from './candidates.ts';
import type { WireCallOptions } from './pending-calls.ts';
import { pickEntrant } from './racer.ts';
import type { SynapseConnection } from './synapse-connection.ts';
import type { PoolConfig, RemoteInfo } from './pool-config.ts';
import { openCandidate, type OpenOptions } from './open-candidate.ts';
import { beforeDeadline } from '../time/before-deadline.ts';
import { type FailoverState, isDecisive, judgeFailover, wasNotRunEarly } from './failover-policy.ts';
import { EventListeners } from './event-listeners.ts';

const REFRESH_MS = 1000;
const REMOTE_REFRESH_MS = 5000;
/** How long a stream without a deadline may wait for its cell to be found (and started). */
const STREAM_CONNECT_MS = 35_000;

/** Why calls still in flight fail when their synapse is closed (made only when one is). */
const closedSynapse = () => new CellError('CELL_E_CLOSED', 'this synapse was closed');

/**
 * The connections of one synapse: to one socket, or to every candidate for a dependency — its
 * local replicas and the same cell on other nodes. The racer picks where each call goes; this
 * opens connections on demand, fails a call over to another candidate when its own dies, starts
 * the cell when nothing answers, and never lets a call wait past its deadline for any of it.
 */
export class SynapsePool {
  readonly defaultTimeoutMs: number;
  private readonly config: PoolConfig;
  private readonly clock: Clock;
  private readonly candidates = new Map<string, Candidate>();
  private live: LiveConnection[] = [];
  private remoteCandidates: Endpoint[] = [];
  private turn = 0;
  private closed = false;
  private refreshAt = 0;
  private remoteRefreshAt = 0;
  private remoteRefreshing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  private readonly listeners: EventListeners;
  /** Errors a failover must not retry: a failed start means the cell cannot be brought up now. */
  private readonly final = new WeakSet<object>();
  /** How each connection is opened: the same for all of them, so made once. */
  private readonly openOptions: OpenOptions;
  /** The one candidate of a pool bound to one endpoint (a socket path, an axon): opened without a search. */
  private readonly fixed: Candidate | undefined;

  constructor(config: PoolConfig) {
    this.config = config;
    this.clock = config.clock;
    this.defaultTimeoutMs = config.defaultTimeoutMs;
    this.listeners = new EventListeners(config.log);
    const { connectTimeoutMs, connection, log, clock, discovers } = config;
    const onEvent = (name: string, payload: unknown) => this.listeners.dispatch(name, payload);
    this.openOptions = { connectTimeoutMs, connection, log, clock, trackLatency: discovers, early: !discovers, onEvent, isClosed: () => this.closed, check: (conn) => config.check(conn), credentials: () => config.credentials() };
    const endpoints = discovers || config.remoteEndpoints || config.startCell ? [] : config.endpoints();
    if (endpoints.length === 1) {
      this.fixed = new Candidate(endpoints[0]!);
      this.candidates.set(this.fixed.id, this.fixed);
    }
  }

  /** The connection the next call should use, if one is ready (the hot path: no I/O, no promise). */
  ready(): SynapseConnection | undefined {
    // Candidates come and go (replicas restart, nodes join): look again now and then, even while
    // one connection serves everything.
    if (this.config.discovers && this.clock.now() >= this.refreshAt) this.refreshInBackground();
    this.turn = (this.turn + 1) % Math.max(1, this.live.length);
    return pickEntrant(this.live, this.turn, this.config.random)?.conn;
  }

  /**
   * A usable connection, opened (and the cell started) if needed, by `deadline` (epoch ms), its
   * handshake complete: streams, notifications and `$connect` wait for the membrane's HELLO (one
   * opened early to a cell that changed is closed, and a new one opened).
   */
  connection(deadline = this.clock.now() + STREAM_CONNECT_MS): Promise<SynapseConnection> {
    if (this.closed) return Promise.reject(closedSynapse());
    const c = this.ready();
    if (c && !c.awaitingHello) return Promise.resolve(c);
    const handshaken = (conn: SynapseConnection) => conn.handshaken().then(() => conn);
    const first = c ? handshaken(c) : this.establish(deadline).then(handshaken);
    return this.withDeadline(first.catch((err: unknown) => (wasNotRunEarly(err) ? this.establish(deadline).then(handshaken) : Promise.reject(err))), deadline);
  }

  unary(method: string | Buffer, input: unknown, options: WireCallOptions | undefined): Promise<unknown> {
    const conn = this.ready();
    if (conn && !this.config.discovers && !conn.awaitingHello) return conn.unary(method, input, options, this.defaultTimeoutMs);
    const deadline = this.clock.now() + (options?.timeoutMs ?? this.defaultTimeoutMs);
    if (this.config.discovers) {
      const first = conn ? conn.unary(method, input, options, this.defaultTimeoutMs) : this.connection(deadline).then((c) => c.unary(method, input, this.remaining(options, deadline)));
      return first.catch((err: unknown) => this.failover(err, method, input, options, deadline, { attempt: 1, lost: 0 }));
    }
    // A fixed endpoint's connection may be early (see LateHello): it takes the call at once, and
    // one to a cell that changed did not run it: it goes again once the handshake is complete.
    if (this.closed) return Promise.reject(closedSynapse());
    const again = (c: SynapseConnection) => c.unary(method, input, this.remaining(options, deadline));
    const first = conn ? conn.unary(method, input, options, this.defaultTimeoutMs) : this.withDeadline(this.establish(deadline), deadline).then(again);
    return first.catch((err: unknown) => (wasNotRunEarly(err) ? this.connection(deadline).then(again) : Promise.reject(err)));
  }

  /** The call's options with what is left of its deadline. */
  private remaining(options: WireCallOptions | undefined, deadline: number): WireCallOptions {
    return { signal: options?.signal, timeoutMs: Math.max(0, deadline - this.clock.now()), trace: options?.trace, traceId: options?.traceId, spanId: options?.spanId };
  }

  /** Retries a call whose candidate died on another one, within the call's own deadline (see judgeFailover). */
  private failover(err: unknown, method: string | Buffer, input: unknown, options: WireCallOptions | undefined, deadline: number, state: FailoverState): Promise<unknown> {
    const verdict = judgeFailover(err, state, {
      final: typeof err === 'object' && err !== null && this.final.has(err),
      aborted: options?.signal?.aborted ?? false,
      closed: this.closed,
      timeLeftMs: deadline - this.clock.now(),
    });
    if (!verdict.retry) return Promise.reject(verdict.error);
    this.config.log.debug({ attempt: verdict.state.attempt, err }, 'failing a call over to another candidate');
    return this.connection(deadline)
      .then((c) => c.unary(method, input, this.remaining(options, deadline)))
      .catch((e: unknown) => this.failover(e, method, input, options, deadline, verdict.state));
  }

  /** Rejects with CELL_E_TIMEOUT when `deadline` passes first (the work goes on in the background). */
  private withDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
    return beforeDeadline(work, deadline, this.clock, () => new CellError('CELL_E_TIMEOUT', `no candidate for ${this.config.describe} answered before the call's deadline`));
  }

  private syncCandidates(): void {
    const ids = new Set<string>();
    const add = (endpoint: Endpoint) => {
      const id = endpointId(endpoint);
      ids.add(id);
      if (!this.candidates.has(id)) this.candidates.set(id, new Candidate(endpoint));
    };
    for (const endpoint of this.config.endpoints()) add(endpoint);
    for (const endpoint of this.remoteCandidates.slice(0, MAX_CANDIDATES)) add(endpoint);
    for (const [id, c] of this.candidates) if (!ids.has(id) && !c.conn && !c.opening) this.candidates.delete(id);
  }

  private refreshInBackground(): void {
    const now = this.clock.now();
    this.refreshAt = now + REFRESH_MS;
    void this.refreshRemote();
    this.syncCandidates();
    for (const c of this.candidates.values()) if (!c.isUsable && !c.opening && c.retryAt <= now) this.open(c).catch(() => undefined);
  }

  /** Asks for remote candidates again (at most every few seconds, never two at once). */
  private refreshRemote(force = false): Promise<void> {
    const provider = this.config.remoteEndpoints;
    if (!provider || this.remoteRefreshing || (!force && this.clock.now() < this.remoteRefreshAt)) return this.remoteRefreshing ?? Promise.resolve();
    this.remoteRefreshAt = this.clock.now() + REMOTE_REFRESH_MS;
    this.remoteRefreshing = provider()
      .then(
        (endpoints) => void (this.remoteCandidates = endpoints),
        (err: unknown) => this.config.log.debug({ err }, 'could not refresh remote candidates'),
      )
      .finally(() => (this.remoteRefreshing = undefined));
    return this.remoteRefreshing;
  }

  /**
   * A connection to the candidate calls go to. A pool bound to one endpoint opens it straight
   * away; the search (see `search`) goes on only when that first attempt fails.
   */
  private establish(deadline: number): Promise<SynapseConnection> {
    const fixed = this.fixed;
    if (fixed === undefined) return this.search(deadline, 0, undefined);
    if (fixed.conn?.isUsable) return Promise.resolve(fixed.conn);
    return this.open(fixed).catch((err: unknown) => {
      // What the search does between its rounds, then its second round.
      if (isDecisive(err)) throw err;
      if (this.closed) throw closedSynapse();
      if (deadline - this.clock.now() <= 0) throw this.unreachable(err, false);
      return this.search(deadline, 1, err);
    });
  }

  /**
   * Tries every candidate, from round `first` (an earlier round failed with `lastError`); when none
   * answers, starts the cell (once, shared by racing callers) and tries again.
   */
  private async search(deadline: number, first: number, lastError: unknown): Promise<SynapseConnection> {
    let startedCell = false;
    for (let round = first; round < 3; round++) {
      if (round > 0 || this.remoteCandidates.length === 0) await this.refreshRemote(round > 0);
      this.syncCandidates();
      const now = this.clock.now();
      const all = [...this.candidates.values()];
      // Prefer candidates not in backoff, but try the others rather than fail.
      const fresh = all.filter((c) => c.retryAt <= now);
      const attempts = (fresh.length > 0 ? fresh : all).map((c) => (c.conn?.isUsable ? Promise.resolve(c.conn) : this.open(c)));
      if (attempts.length > 0) {
        try {
          return await Promise.any(attempts);
        } catch (err) {
          const errors: unknown[] = (err as AggregateError).errors ?? [err];
          const decisive = errors.find(isDecisive);
          if (decisive) throw decisive;
          lastError = errors[0];
        }
      }
      if (this.closed) throw closedSynapse();
      const left = deadline - this.clock.now();
      if (left <= 0) break;
      if (round === 0 && this.config.startCell) {
        startedCell = true;
        this.starting ??= this.config.startCell(left).finally(() => (this.starting = undefined));
        try {
          await this.starting;
        } catch (err) {
          if (typeof err === 'object' && err !== null) this.final.add(err);
          throw err;
        }
        continue;
      }
      if (round === 1) break;
    }
    throw this.unreachable(lastError, startedCell);
  }

  /** Why no candidate could be reached: the last one's own reason (unreachable, overloaded...) says more than a generic one. */
  private unreachable(lastError: unknown, startedCell: boolean): CellError<string> {
    const error = isCellError(lastError) ? lastError : new CellError('CELL_E_UNAVAILABLE', `no candidate for ${this.config.describe} is reachable`, { cause: lastError });
    // Started and still unreachable: another attempt would only start it again.
    if (startedCell) this.final.add(error);
    return error;
  }

  private open(c: Candidate): Promise<SynapseConnection> {
    c.opening ??= this.connectTo(c).finally(() => (c.opening = undefined));
    return c.opening;
  }

  private async connectTo(c: Candidate): Promise<SynapseConnection> {
    try {
      const conn = await openCandidate(c.endpoint, this.openOptions);
      c.conn = conn;
      c.failures = 0;
      c.retryAt = 0;
      this.live = [...this.live, new LiveConnection(conn, c)];
      conn.onceClosed(() => {
        c.pastCalls += conn.calls;
        if (c.conn === conn) c.conn = undefined;
        this.live = this.live.filter((l) => l.conn !== conn);
        // A candidate that vanished is retried later, with backoff.
        if (this.config.discovers) c.backOff(this.clock.now(), 50);
      });
      this.config.log.debug({ callee: conn.remote.name, calleeReplica: conn.remote.replica, endpoint: c.id }, 'synapse connected');
      return conn;
    } catch (err) {
      c.failures++;
      if (this.config.discovers) c.backOff(this.clock.now(), 25);
      throw err;
    }
  }

  on(event: string, listener: (payload: unknown) => void): () => void {
    return this.listeners.on(event, listener);
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
    return withShares([...this.candidates.values()].map((c) => c.stats()));
  }

  close(): Promise<void> {
    this.closed = true;
    const live = this.live;
    this.live = [];
    const closing = (conn: SynapseConnection) =>
      new Promise<void>((resolve) => {
        conn.onceClosed(resolve);
        conn.close(closedSynapse);
      });
    if (live.length === 0) return Promise.resolve();
    return Promise.all(live.map((l) => closing(l.conn))).then(() => undefined);
  }
}
