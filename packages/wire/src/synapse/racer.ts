/** What the racer knows of a connection it may send a call on. */
export interface RaceEntrant {
  /** Open and not draining. */
  readonly isUsable: boolean;
  /** Calls in flight on it. */
  readonly inFlight: number;
  /** Round-trip estimate (peak EWMA, ms); undefined when not measured. */
  readonly latencyMs: number | undefined;
  /** A local replica (Unix socket) rather than another node. */
  readonly local: boolean;
}

/** A remote candidate must be this much better than a local one to win ("prefer local when comparable"). */
export const REMOTE_PENALTY = 1.5;

/** Lower is better: expected wait for one more call on this connection. */
export function raceScore(e: Pick<RaceEntrant, 'inFlight' | 'latencyMs' | 'local'>): number {
  return ((e.latencyMs ?? 1) + 0.01) * (e.inFlight + 1) * (e.local ? 1 : REMOTE_PENALTY);
}

/**
 * Picks where the next call goes. With only local replicas: the least calls in flight, ties
 * rotating from `turn` so idle replicas share sequential traffic. With candidates on other nodes
 * as well: the better by score of two chosen at random (power of two choices), which avoids
 * herding on one "best" candidate while staying close to it. Pure: `random` is injected.
 */
export function pickEntrant<E extends RaceEntrant>(entrants: readonly E[], turn: number, random: () => number): E | undefined {
  const n = entrants.length;
  if (n === 0) return undefined;
  if (n === 1) return entrants[0]!.isUsable ? entrants[0] : undefined;
  if (entrants.every((e) => e.local)) {
    let best: E | undefined;
    for (let i = 0; i < n; i++) {
      const e = entrants[(turn + i) % n]!;
      if (e.isUsable && (!best || e.inFlight < best.inFlight)) best = e;
    }
    return best;
  }
  const usable = entrants.filter((e) => e.isUsable);
  if (usable.length <= 2) return better(usable[0], usable[1]);
  const i = Math.floor(random() * usable.length);
  let j = Math.floor(random() * (usable.length - 1));
  if (j >= i) j++;
  return better(usable[i], usable[j]);
}

function better<E extends RaceEntrant>(a: E | undefined, b: E | undefined): E | undefined {
  if (!a || !b) return a ?? b;
  return raceScore(a) <= raceScore(b) ? a : b;
}
