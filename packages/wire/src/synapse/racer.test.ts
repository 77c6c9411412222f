import { describe, expect, it } from 'vitest';
import { PeakEwma } from '../time/peak-ewma.ts';
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

describe('a slow candidate among remote ones (a simulated race: clock and randomness driven by the test)', () => {
  interface Sim extends RaceEntrant {
    id: 'fast' | 'slow';
    serviceMs: number;
    ewma: PeakEwma;
    inFlight: number;
  }

  /** `lanes` callers, each calling again 1 ms after its last reply; the served candidate of every reply, in reply order. */
  function race(lanes: number, calls: number): Array<'fast' | 'slow'> {
    let now = 0;
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    // Both start from their handshake round trip: the slow one handshakes as fast as the other.
    const make = (id: Sim['id'], serviceMs: number): Sim => {
      const ewma = new PeakEwma(0.5, 5000, () => now);
      return { id, serviceMs, ewma, inFlight: 0, isUsable: true, local: false, get latencyMs() { return ewma.ms; } };
    };
    const entrants = [make('fast', 1), make('slow', 20)];
    const pending: Array<{ at: number; sim: Sim; sentAt: number }> = [];
    const send = () => {
      const sim = pickEntrant(entrants, 0, random) as Sim;
      sim.inFlight++;
      pending.push({ at: now + sim.serviceMs, sim, sentAt: now });
    };
    for (let i = 0; i < lanes; i++) send();
    const served: Array<'fast' | 'slow'> = [];
    while (served.length < calls) {
      pending.sort((a, b) => a.at - b.at);
      const done = pending.shift()!;
      now = done.at;
      done.sim.inFlight--;
      done.sim.ewma.observe(now - done.sentAt);
      served.push(done.sim.id);
      now += 1;
      send();
    }
    return served;
  }

  it('loses most of the traffic within a bounded number of calls after its first reply, and keeps losing it', () => {
    const served = race(4, 2000);
    const first = served.indexOf('slow');
    expect(first).toBeGreaterThanOrEqual(0); // it was tried
    const window = 50;
    let settledAfter = -1;
    for (let i = first; i + window <= served.length && settledAfter < 0; i++) {
      if (served.slice(i, i + window).filter((s) => s === 'slow').length < window * 0.2) settledAfter = i - first;
    }
    expect(settledAfter).toBeGreaterThanOrEqual(0);
    expect(settledAfter).toBeLessThan(200);
    expect(served.slice(-200).filter((s) => s === 'slow').length / 200).toBeLessThan(0.2);
  });
});
