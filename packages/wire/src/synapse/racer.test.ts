import { describe, expect, it } from 'vitest';
import { pickEntrant, raceScore, REMOTE_PENALTY, type RaceEntrant } from './racer.ts';

const entrant = (id: string, e: Partial<RaceEntrant> = {}): RaceEntrant & { id: string } => ({ id, isUsable: true, inFlight: 0, latencyMs: 1, local: true, ...e });

/** A random source that replays `values` (then repeats the last). */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)]!;
}

describe('raceScore', () => {
  it('grows with latency and load, and penalises a remote candidate', () => {
    const base = raceScore({ latencyMs: 1, inFlight: 0, local: true });
    expect(raceScore({ latencyMs: 2, inFlight: 0, local: true })).toBeGreaterThan(base);
    expect(raceScore({ latencyMs: 1, inFlight: 3, local: true })).toBeCloseTo(base * 4);
    expect(raceScore({ latencyMs: 1, inFlight: 0, local: false })).toBeCloseTo(base * REMOTE_PENALTY);
  });
});

describe('pickEntrant', () => {
  it('returns nothing when nothing is usable', () => {
    expect(pickEntrant([], 0, Math.random)).toBeUndefined();
    expect(pickEntrant([entrant('a', { isUsable: false })], 0, Math.random)).toBeUndefined();
  });

  it('among local replicas, takes the least busy, rotating ties from the turn', () => {
    const a = entrant('a', { inFlight: 2 });
    const b = entrant('b', { inFlight: 0 });
    const c = entrant('c', { inFlight: 0 });
    expect(pickEntrant([a, b, c], 0, () => 0)?.id).toBe('b');
    expect(pickEntrant([a, b, c], 2, () => 0)?.id).toBe('c');
    expect(pickEntrant([a, entrant('d', { isUsable: false }), b], 1, () => 0)?.id).toBe('b');
  });

  it('with remote candidates, takes the better of two chosen at random', () => {
    const fast = entrant('fast', { latencyMs: 1, local: false });
    const slow = entrant('slow', { latencyMs: 50, local: false });
    const mid = entrant('mid', { latencyMs: 5, local: true });
    // random 0 -> index 0 (fast); then 0.99 -> index 1 of the rest, shifted past 0 -> 2 (mid)
    expect(pickEntrant([fast, slow, mid], 0, sequence(0, 0.99))?.id).toBe('fast');
    // slow (1) and mid (2): mid wins
    expect(pickEntrant([fast, slow, mid], 0, sequence(0.5, 0.99))?.id).toBe('mid');
  });

  it('never picks the same candidate twice for one choice, and prefers a comparable local one', () => {
    const local = entrant('local', { latencyMs: 1, local: true });
    const remote = entrant('remote', { latencyMs: 1, local: false });
    const other = entrant('other', { latencyMs: 1, local: false, isUsable: false });
    expect(pickEntrant([local, remote, other], 0, sequence(0, 0))?.id).toBe('local');
    expect(pickEntrant([remote, local], 0, Math.random)?.id).toBe('local');
  });

  it('spreads calls over candidates in proportion to how good they are', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646; // deterministic
    const entrants = [entrant('a', { latencyMs: 1, local: false }), entrant('b', { latencyMs: 1, local: false }), entrant('c', { latencyMs: 20, local: false })];
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 3000; i++) counts[pickEntrant(entrants, i, random)!.id as 'a' | 'b' | 'c']++;
    expect(counts.c).toBe(0); // the slow one loses every pairing
    expect(Math.abs(counts.a - counts.b)).toBeLessThan(300);
  });
});
