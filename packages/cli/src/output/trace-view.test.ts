import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { ReplicaSpan } from '@cell/host';
import { summarizeTraces } from '@cell/runtime';
import { renderTrace, renderTraceList } from './trace-view.ts';

const T = 'ab'.repeat(16);
const span = (over: Partial<ReplicaSpan> & Pick<ReplicaSpan, 'span' | 'start'>): ReplicaSpan => ({ trace: T, method: 'm', durationMs: 1, outcome: 'ok', cell: 'c', replica: 'c-0', ...over });
const plain = (lines: string[]) => lines.map((l) => stripVTControlCharacters(l));

const spans: ReplicaSpan[] = [
  span({ span: 'c1', parent: 'r', start: 1_000_001, durationMs: 2, cell: 'inventory', method: 'reserve', replica: 'inventory-1' }),
  span({ span: 'r', start: 1_000_000, durationMs: 10, cell: 'orders', method: 'place', replica: 'orders-0' }),
  span({ span: 'g', parent: 'c1', start: 1_000_002, durationMs: 0.5, cell: 'stock', method: 'get', replica: 'stock-0', recordedBy: '12D3KooWStockNodeKeyXyz', node: '12D3KooWShopNodeKeyAbc' }),
  span({ span: 'c2', parent: 'r', start: 1_000_004, durationMs: 3, cell: 'payments', method: 'charge', replica: 'payments-0', outcome: 'CardDeclined' }),
  span({ span: 'x', parent: 'elsewhere', start: 1_000_005, durationMs: 1, cell: 'mail', method: 'send', replica: 'mail-0' }),
  span({ trace: 'cd'.repeat(16), span: 'o', start: 999_000, durationMs: 4, cell: 'orders', method: 'list' }),
];

describe('trace view', () => {
  it('draws a trace as the tree of its calls, offsets from its start, and says why a span has no parent here', () => {
    const lines = plain(renderTrace(summarizeTraces(spans)[1]!));
    expect(lines[0]).toBe(`trace ${T} · ${new Date(1_000_000).toISOString()} · 5 spans in 5 cells · 10.00 ms`);
    expect(lines.slice(3)).toEqual([
      '     +0.00     10.00 ms  orders.place  ok  orders-0',
      '     +1.00      2.00 ms  ├─ inventory.reserve  ok  inventory-1',
      '     +2.00      0.50 ms  │  └─ stock.get  ok  stock-0 on node 12D3KooWStockNod… ← node 12D3KooWShopNode…',
      '     +4.00      3.00 ms  └─ payments.charge  CardDeclined  payments-0',
      '                         (made by span elsewhere: on another node, or no longer kept)',
      '     +5.00      1.00 ms  mail.send  ok  mail-0',
    ]);
  });

  it('lists the traces one line each, or says there are none yet', () => {
    const lines = plain(renderTraceList(summarizeTraces(spans)));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(new RegExp(`^00:16:40\\.000  ${T}  orders\\.place\\s+5\\s+10\\.00 ms  ok \\(1 error\\)$`));
    expect(plain(renderTraceList([]))[0]).toMatch(/no spans kept yet/);
  });
});

describe('trace view of spans that claim each other as parents (another node could send them)', () => {
  it('draws each span once, and ends', () => {
    const a = span({ span: 'aaaaaaaaaaaaaaaa', parent: 'bbbbbbbbbbbbbbbb', start: 1_000_001, cell: 'x' });
    const b = span({ span: 'bbbbbbbbbbbbbbbb', parent: 'aaaaaaaaaaaaaaaa', start: 1_000_000, cell: 'y' });
    const lines = plain(renderTrace(summarizeTraces([a, b])[0]!));
    expect(lines.slice(3)).toEqual(['     +0.00      1.00 ms  y.m  ok  c-0', '     +1.00      1.00 ms  └─ x.m  ok  c-0']);
  });
});
