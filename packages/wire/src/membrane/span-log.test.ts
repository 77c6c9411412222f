import { describe, expect, it } from 'vitest';
import { CellError, MAX_SPANS } from '@cell/protocol';
import { SpanLog, type SpanRecord } from './span-log.ts';

const span = (trace: string, n: number): SpanRecord => ({ trace, span: n.toString(16).padStart(16, '0'), method: 'm', start: n, durationMs: 1, outcome: 'ok' });

describe('SpanLog', () => {
  it('keeps the newest `capacity` spans, oldest first, overwriting in a ring', () => {
    const log = new SpanLog(3);
    for (let i = 1; i <= 5; i++) log.add(span('aa', i));
    expect(log.find({ limit: 10 }).map((s) => s.start)).toEqual([3, 4, 5]);
  });

  it('finds one trace by a prefix of its id, the newest `limit` of its spans', () => {
    const log = new SpanLog(10);
    log.add(span('abc1', 1));
    log.add(span('ffff', 2));
    log.add(span('abc2', 3));
    log.add(span('abc1', 4));
    expect(log.find({ trace: 'ABC', limit: 10 }).map((s) => s.start)).toEqual([1, 3, 4]);
    expect(log.find({ trace: 'abc1', limit: 1 }).map((s) => s.start)).toEqual([4]);
    expect(log.find({ trace: '0', limit: 10 })).toEqual([]);
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
