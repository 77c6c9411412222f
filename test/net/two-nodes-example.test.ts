import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../e2e/helpers.ts';
import { netnsUnavailable } from './netns.ts';

const unavailable = netnsUnavailable();

describe.skipIf(unavailable !== undefined)('examples/two-nodes (the README walk-through)', () => {
  it('runs a node on each of two hosts; the consumer finds stock by name and calls across; one trace spans both', { timeout: 120_000 }, () => {
    const r = spawnSync(process.execPath, ['--conditions=cell-source', join(REPO, 'examples/two-nodes/run.ts')], { encoding: 'utf8', timeout: 110_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/buy \{"sku":"mug","qty":2\} -> \{ "left": 98, "servedBy": ".* \(called by node 12D3KooW\w+\)" \}/);
    expect(r.stdout).toContain('"code":"SoldOut"');
    expect(r.stdout).toMatch(/shop -> stock: 1 candidate\n\s+remote/);
    // One request across both machines: B's shop.buy, and A's stock.reserve it called, asked of A by B's nucleus.
    expect(r.stdout).toMatch(/B: cell trace ([0-9a-f]{32})\ntrace \1 · \S+ · 2 spans in 2 cells · [\d.]+ ms\n/);
    expect(r.stdout).toMatch(/^\s+\+[\d.]+\s+[\d.]+ ms {2}shop\.buy {2}SoldOut {2}shop-0$/m);
    expect(r.stdout).toMatch(/^\s+\+[\d.]+\s+[\d.]+ ms {2}└─ stock\.reserve {2}OutOfStock {2}stock-0 on node 12D3KooW\w+… ← node 12D3KooW\w+…$/m);
  });
});
