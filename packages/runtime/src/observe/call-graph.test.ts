import { describe, expect, it } from 'vitest';
import type { ReplicaSpan } from '@cell/host';
import { callGraph } from './call-graph.ts';

let n = 0;
const span = (cell: string, start: number, over: Partial<ReplicaSpan> = {}): ReplicaSpan => ({ trace: 'ab'.repeat(16), span: String(n++), method: 'm', start, durationMs: 1, outcome: 'ok', cell, replica: `${cell}-0`, ...over });

describe('callGraph', () => {
  it('counts the calls and errors between cells in the window, per second over it, busiest first', () => {
    const now = 100_000;
    const edges = callGraph(
      [
        span('orders', 99_000),
        span('payments', 99_500, { caller: 'orders', outcome: 'CardDeclined' }),
        span('payments', 99_600, { caller: 'orders' }),
        span('payments', 99_700, { caller: 'orders' }),
        span('catalog', 98_000, { caller: 'orders' }),
        span('stock', 99_900, { caller: 'inventory', node: '12D3KooWabcdefghijk' }),
        span('mailer', 100, { caller: 'orders' }), // before the window
        span('catalog', 99_800, { node: '12D3KooWabcdefghijk' }),
      ],
      now,
      10_000,
    );
    expect(edges).toEqual([
      { from: 'orders', to: 'payments', calls: 3, errors: 1, perSecond: 0.3 },
      { from: 'inventory', to: 'stock', calls: 1, errors: 0, perSecond: 0.1 },
      { from: 'node 12D3KooWabcd', to: 'catalog', calls: 1, errors: 0, perSecond: 0.1 },
      { from: 'orders', to: 'catalog', calls: 1, errors: 0, perSecond: 0.1 },
      { from: 'outside', to: 'orders', calls: 1, errors: 0, perSecond: 0.1 },
    ]);
  });

  it('is empty with no calls', () => {
    expect(callGraph([], 0)).toEqual([]);
  });
});

describe('callGraph of a busy replica that kept only its newest calls', () => {
  it('rates them over the time they cover, not the whole window', () => {
    const now = 100_000;
    const spans = Array.from({ length: 100 }, (_, i) => span('catalog', 99_000 + i * 10, { caller: 'orders' })); // 100 calls in the last second
    expect(callGraph(spans, now, 60_000, 100)[0]).toMatchObject({ from: 'orders', to: 'catalog', calls: 100, perSecond: 100 });
    expect(callGraph(spans, now, 60_000)[0]!.perSecond).toBe(1.67); // everything it did in the window: 100 calls a minute
  });
});
