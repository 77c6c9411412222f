import type { SynapseConnection } from './synapse-connection.ts';
import { raceScore, type RaceEntrant } from './racer.ts';

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

/** Candidates kept per dependency. */
export const MAX_CANDIDATES = 10;

/** One place a dependency can be reached, and its connection when there is one. */
export class Candidate {
  readonly id: string;
  readonly endpoint: Endpoint;
  readonly local: boolean;
  conn: SynapseConnection | undefined;
  opening: Promise<SynapseConnection> | undefined;
  /** Epoch ms before which a failed candidate is not retried. */
  retryAt = 0;
  failures = 0;
  /** Calls it served on connections that have since closed. */
  pastCalls = 0;

  constructor(endpoint: Endpoint) {
    this.endpoint = endpoint;
    this.id = endpointId(endpoint);
    this.local = endpoint.kind === 'unix';
  }

  get isUsable(): boolean {
    return this.conn?.isUsable ?? false;
  }

  /** Waits before the next attempt: doubling from `baseMs`, at most 5 s. */
  backOff(now: number, baseMs: number): void {
    this.retryAt = now + Math.min(5000, baseMs * 2 ** this.failures);
  }

  stats(): CandidateStats {
    const conn = this.conn;
    return {
      endpoint: this.id,
      local: this.local,
      node: this.endpoint.kind === 'axon' ? (this.endpoint.node ?? conn?.remoteNode ?? null) : null,
      connected: Boolean(conn?.isOpen),
      latencyMs: conn?.latency ? round3(conn.latency.ms) : null,
      inFlight: conn?.inFlight ?? 0,
      score: conn ? round3(raceScore(new LiveConnection(conn, this))) : null,
      calls: this.pastCalls + (conn?.calls ?? 0),
      share: 0,
    };
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export function endpointId(e: Endpoint): string {
  return e.kind === 'unix' ? e.path : `axon://${e.node ? `${e.node}@` : ''}${e.host}:${e.port}`;
}

/** Each candidate's share of all calls, filled in. */
export function withShares(rows: CandidateStats[]): CandidateStats[] {
  const total = rows.reduce((s, r) => s + r.calls, 0);
  for (const r of rows) r.share = total > 0 ? round3(r.calls / total) : 0;
  return rows;
}

/** An open connection to a candidate, as the racer sees it. */
export class LiveConnection implements RaceEntrant {
  readonly conn: SynapseConnection;
  readonly candidate: Candidate;

  constructor(conn: SynapseConnection, candidate: Candidate) {
    this.conn = conn;
    this.candidate = candidate;
  }

  get isUsable(): boolean {
    return this.conn.isUsable;
  }

  get inFlight(): number {
    return this.conn.inFlight;
  }

  get latencyMs(): number | undefined {
    return this.conn.latency?.ms;
  }

  get local(): boolean {
    return this.candidate.local;
  }
}
