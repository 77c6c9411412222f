import { describe, expect, it } from 'vitest';
import type { CandidateStats } from '@cell/wire';
import { dependencyStats, registerDependency } from './dependency-registry.ts';

function stats(endpoint: string, calls: number): CandidateStats {
  return { endpoint, local: true, node: null, connected: true, latencyMs: 1, inFlight: 0, score: 1, calls, share: 1 };
}

describe('dependency registry', () => {
  it("reports each dependency's candidates as they look when asked", () => {
    let calls = 0;
    registerDependency('payments', { stats: () => [stats('run/payments-0.sock', calls)] });
    registerDependency('inventory', { stats: () => [stats('run/inventory-0.sock', 1), stats('run/inventory-1.sock', 2)] });
    calls = 7;
    const now = dependencyStats();
    expect(Object.keys(now).sort()).toEqual(['inventory', 'payments']);
    expect(now['payments']![0]!.calls).toBe(7);
    expect(now['inventory']!.map((c) => c.endpoint)).toEqual(['run/inventory-0.sock', 'run/inventory-1.sock']);
  });

  it('keeps the latest synapse registered under a name', () => {
    registerDependency('mailer', { stats: () => [stats('old', 0)] });
    registerDependency('mailer', { stats: () => [stats('new', 0)] });
    expect(dependencyStats()['mailer']!.map((c) => c.endpoint)).toEqual(['new']);
  });
});
