import { describe, expect, it } from 'vitest';
import type { ReplicaSpan } from '@cell/host';
import { summarizeTraces } from './trace-summary.ts';

const T = 'ab'.repeat(16);
const span = (over: Partial<ReplicaSpan> & Pick<ReplicaSpan, 'span' | 'start'>): ReplicaSpan => ({ trace: T, method: 'm', durationMs: 1, outcome: 'ok', cell: 'c', replica: 'c-0', ...over });

describe('summarizeTraces', () => {
  it('groups spans by trace, oldest first, with the roots a tree starts from and the errors counted', () => {
    const [older, t] = summarizeTraces([
      span({ span: 'c1', parent: 'r', start: 1001, durationMs: 2 }),
      span({ span: 'r', start: 1000, durationMs: 10 }),
      span({ span: 'c2', parent: 'r', start: 1004, durationMs: 3, outcome: 'CardDeclined' }),
      span({ span: 'x', parent: 'elsewhere', start: 1005, durationMs: 1 }),
      span({ trace: 'cd'.repeat(16), span: 'o', start: 999, durationMs: 4 }),
    ]);
    expect(older!.trace).toBe('cd'.repeat(16));
    expect(t!.spans.map((s) => s.span)).toEqual(['r', 'c1', 'c2', 'x']);
    expect(t!.roots.map((s) => s.span)).toEqual(['r', 'x']);
    expect([t!.start, t!.durationMs, t!.errors]).toEqual([1000, 10, 1]);
  });

  it('measures a trace from its first start to its last end, whichever span that is', () => {
    const [t] = summarizeTraces([span({ span: 'a', start: 10, durationMs: 1 }), span({ span: 'b', parent: 'a', start: 11, durationMs: 30 })]);
    expect(t!.durationMs).toBe(31);
  });
});

describe('summarizeTraces with spans that claim each other as parents', () => {
  it('still has a root to draw from', () => {
    const [t] = summarizeTraces([span({ span: 'aaaaaaaaaaaaaaaa', parent: 'bbbbbbbbbbbbbbbb', start: 2 }), span({ span: 'bbbbbbbbbbbbbbbb', parent: 'aaaaaaaaaaaaaaaa', start: 1 })]);
    expect(t!.roots.map((s) => s.span)).toEqual(['bbbbbbbbbbbbbbbb']);
  });
});
