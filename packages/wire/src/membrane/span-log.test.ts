import { describe, expect, it } from 'vitest';
import { CellError, MAX_SPANS } from '@cell/protocol';
import { SpanLog } from './span-log.ts';

/** Records span `n` of a trace whose id starts with `hex` (padded with zeros to 16 bytes). */
const add = (log: SpanLog, hex: string, n: number) => log.add(Buffer.from(hex.padEnd(32, '0'), 'hex'), undefined, n, 'm', n, 1, 'ok', undefined);

describe('SpanLog', () => {
  it('keeps the newest `capacity` spans, oldest first, overwriting in a ring', () => {
    const log = new SpanLog(3);
    for (let i = 1; i <= 5; i++) add(log, 'aa', i);
    expect(log.find({ limit: 10 }).map((s) => s.start)).toEqual([3, 4, 5]);
    expect(log.recorded).toBe(5);
  });

  it('finds one trace by a prefix of its id, the newest `limit` of its spans', () => {
    const log = new SpanLog(10);
    add(log, 'abc1', 1);
    add(log, 'ffff', 2);
    add(log, 'abc2', 3);
    add(log, 'abc1', 4);
    expect(log.find({ trace: 'ABC', limit: 10 }).map((s) => s.start)).toEqual([1, 3, 4]);
    expect(log.find({ trace: 'abc1', limit: 1 }).map((s) => s.start)).toEqual([4]);
    expect(log.find({ trace: '0', limit: 10 })).toEqual([]);
  });

  it('gives back each field as recorded: ids as hex, the parent and caller only when there was one', () => {
    const log = new SpanLog(4);
    log.add(Buffer.alloc(16, 0xcd), Buffer.from('0102030405060708', 'hex'), 0xffff_fffe, 'place', 1_700_000_000_000.125, 2.34567, 'OutOfStock', { cell: 'orders', node: '12D3KooW' });
    log.add(Buffer.alloc(16, 0xcd), undefined, 9, 'get', 1_700_000_000_001, 0.5, 'ok', { replica: 'x-0' });
    expect(log.find({ limit: 5 })).toEqual([
      { trace: 'cd'.repeat(16), span: expect.stringMatching(/^[0-9a-f]{8}fffffffe$/), parent: '0102030405060708', method: 'place', start: 1_700_000_000_000.125, durationMs: 2.346, outcome: 'OutOfStock', caller: 'orders', node: '12D3KooW' },
      { trace: 'cd'.repeat(16), span: expect.stringMatching(/^[0-9a-f]{8}00000009$/), method: 'get', start: 1_700_000_000_001, durationMs: 0.5, outcome: 'ok' },
    ]);
  });

  it('records a refusal as a span of no duration with its code, fields that are absent left out', () => {
    const log = new SpanLog(2);
    log.refused(Buffer.alloc(16, 0xab), undefined, 1, 'nope', {}, new CellError('CELL_E_UNKNOWN_METHOD', 'no such method'));
    const [s] = log.find({ limit: 1 });
    expect(s).toEqual({ trace: 'ab'.repeat(16), span: expect.stringMatching(/^[0-9a-f]{8}00000001$/), method: 'nope', start: expect.any(Number), durationMs: 0, outcome: 'CELL_E_UNKNOWN_METHOD' });
    expect(Object.keys(s!)).not.toContain('parent');
  });

  it('refuses a capacity outside 1..MAX_SPANS', () => {
    for (const bad of [0, -1, 1.5, MAX_SPANS + 1]) expect(() => new SpanLog(bad)).toThrow(RangeError);
  });
});

describe('SpanLog.since (an exporter polling)', () => {
  it('gives each span once, oldest first, in pages of `limit`, and counts what was overwritten before it asked', () => {
    const log = new SpanLog(4);
    for (let i = 1; i <= 3; i++) add(log, 'aa', i);
    const first = log.since(0, 2);
    expect([first.spans.map((s) => s.start), first.next, first.dropped]).toEqual([[1, 2], 2, 0]);
    const second = log.since(first.next, 10);
    expect([second.spans.map((s) => s.start), second.next, second.dropped]).toEqual([[3], 3, 0]);
    expect(log.since(second.next, 10)).toEqual({ spans: [], next: 3, dropped: 0 });
    for (let i = 4; i <= 10; i++) add(log, 'aa', i);
    const late = log.since(3, 10);
    expect([late.spans.map((s) => s.start), late.next, late.dropped]).toEqual([[7, 8, 9, 10], 10, 3]);
  });
});
