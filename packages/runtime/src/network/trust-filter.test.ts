import { describe, expect, it } from 'vitest';
import { filterTrusted } from './trust-filter.ts';

const candidate = (node: string, port = 7000) => ({ node, host: '10.0.0.1', port, version: '1.0.0', fingerprint: 'sha256:x' });

describe('filterTrusted', () => {
  it('keeps only trusted nodes, and names each stranger once', () => {
    const found = [candidate('A', 1), candidate('C', 2), candidate('C', 3), candidate('B', 4)];
    const v = filterTrusted(found, ['A', 'B'], 'stock');
    expect(v.candidates.map((c) => c.node)).toEqual(['A', 'B']);
    expect(v.refused.map((r) => r.node)).toEqual(['C']);
    expect(v.refused[0]!.reason).toContain('stock');
  });

  it('trusts nobody when nothing is listed', () => {
    const v = filterTrusted([candidate('A')], [], 'stock');
    expect(v.candidates).toEqual([]);
    expect(v.refused).toHaveLength(1);
  });

  it('at a static address (null), keeps what the node there serves', () => {
    expect(filterTrusted([candidate('A')], null, 'stock')).toEqual({ candidates: [candidate('A')], refused: [] });
  });
});
