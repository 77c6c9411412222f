import { describe, expect, it } from 'vitest';
import { parseLogLine } from '../output/log-format.ts';
import { levelOf, matcher, parseGrep, parseSince, searchableValues } from './log-filter.ts';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const record = (value: Record<string, unknown>) => parseLogLine(JSON.stringify(value), NOW);

describe('parseSince', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
  ])('reads the duration %s back from now', (text, ms) => {
    expect(parseSince(text, NOW)).toBe(NOW - ms);
  });

  it('reads a date and time (UTC or local), with T or a space', () => {
    expect(parseSince('2026-03-01T11:00:00Z', NOW)).toBe(NOW - 3_600_000);
    expect(parseSince('2026-03-01T11:00:00.500Z', NOW)).toBe(NOW - 3_599_500);
    expect(parseSince('2026-03-01 11:00', NOW)).toBe(new Date(2026, 2, 1, 11, 0).getTime());
    expect(parseSince('2026-03-01', NOW)).toBe(Date.UTC(2026, 2, 1));
  });

  it.each(['', '5', 'yesterday', '5 minutes', '5x', 'm5', '2026-13-45'])('refuses %j with CELL_E_INVALID_ARGUMENT', (text) => {
    expect(() => parseSince(text, NOW)).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});

describe('parseGrep', () => {
  it('compiles a regular expression, and refuses one that is not', () => {
    expect(parseGrep('ord(er)?s').test('orders')).toBe(true);
    expect(() => parseGrep('(')).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});

describe('matcher', () => {
  const lines = [
    record({ time: NOW - 2000, level: 'debug', cell: 'orders', method: 'place', msg: 'call ended' }),
    record({ time: NOW - 1000, level: 'info', cell: 'orders', msg: 'replica ready' }),
    record({ time: NOW, level: 'error', cell: 'payments', msg: 'handler failed', err: { message: 'card service down' } }),
    record({ time: NOW, level: 50, msg: 'numeric level' }),
    parseLogLine('plain text from a process', NOW),
  ];
  const msgs = (keep: (r: (typeof lines)[number]) => boolean) => lines.filter(keep).map((r) => r.value['msg']);

  it('keeps every line when given nothing', () => {
    expect(msgs(matcher({}))).toHaveLength(lines.length);
  });

  it('keeps lines at or above a level (pino numbers too; text counts as info)', () => {
    expect(msgs(matcher({ level: 'warn' }))).toEqual(['handler failed', 'numeric level']);
    expect(msgs(matcher({ level: 'info' }))).toEqual(['replica ready', 'handler failed', 'numeric level', 'plain text from a process']);
    expect(levelOf(lines[4]!)).toBe(30);
  });

  it('keeps lines at or after a time', () => {
    expect(msgs(matcher({ since: NOW - 1000 }))).toEqual(['replica ready', 'handler failed', 'numeric level', 'plain text from a process']);
  });

  it('greps each value of a line on its own (anchors work), nested ones too, never its keys', () => {
    expect(msgs(matcher({ grep: /card service/ }))).toEqual(['handler failed']);
    expect(msgs(matcher({ grep: /^place$/ }))).toEqual(['call ended']);
    expect(msgs(matcher({ grep: /^call ended$/ }))).toEqual(['call ended']);
    expect(msgs(matcher({ grep: /method/ }))).toEqual([]);
    expect(searchableValues({ a: 'x', b: { c: 2, d: null }, e: [true] })).toEqual(['x', '2', 'true']);
  });

  it('needs every condition to hold', () => {
    expect(msgs(matcher({ level: 'info', grep: /orders/, since: NOW - 1500 }))).toEqual(['replica ready']);
  });
});
