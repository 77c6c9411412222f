import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseLogLine, prettyPrinter } from './log-format.ts';

const T = Date.UTC(2023, 10, 14, 22, 13, 20, 123); // 1700000000123
const FALLBACK = T + 876;

describe('parseLogLine', () => {
  it('keeps a JSON record as it is, sorted by its own time', () => {
    const raw = JSON.stringify({ time: T, level: 'info', cell: 'work', msg: 'replica ready' });
    expect(parseLogLine(raw, FALLBACK)).toEqual({ time: T, raw, value: { time: T, level: 'info', cell: 'work', msg: 'replica ready' } });
  });

  it('sorts a record without a numeric time at the time it was read', () => {
    expect(parseLogLine('{"msg":"no time"}', FALLBACK).time).toBe(FALLBACK);
    expect(parseLogLine('{"time":"yesterday","msg":"x"}', FALLBACK).time).toBe(FALLBACK);
  });

  it.each(['plain text from a cell', 'Error: boom', '{ broken json', '42', '"a string"', '[1,2]', 'null', 'true'])('keeps %j as an info message, as a JSON record', (raw) => {
    const r = parseLogLine(raw, FALLBACK);
    expect(r.time).toBe(FALLBACK);
    expect(r.value).toEqual({ time: FALLBACK, level: 'info', msg: raw });
    // `cell logs --json` prints `raw`: every line it prints is a record.
    expect(JSON.parse(r.raw)).toEqual(r.value);
  });
});

describe('prettyPrinter', () => {
  const plain = prettyPrinter(false);

  it('renders time (UTC), level, cell/replica, message, then the other keys on one line', () => {
    const line = plain(parseLogLine(JSON.stringify({ time: T, level: 'info', pid: 5, hostname: 'h', cell: 'work', replica: 'work-0', component: 'sdk', msg: 'replica ready', port: 3 }), 0));
    expect(line).toBe('[22:13:20.123] INFO: work/work-0 replica ready {"port":3}');
  });

  it('leaves out pid, hostname and component, and the cell when there is none', () => {
    const line = plain(parseLogLine(JSON.stringify({ time: T, level: 'warn', pid: 5, hostname: 'h', component: 'runtime', msg: 'nucleus line' }), 0));
    expect(line).toBe('[22:13:20.123] WARN: nucleus line');
  });

  it.each([
    ['trace', 'TRACE'],
    ['debug', 'DEBUG'],
    ['info', 'INFO'],
    ['warn', 'WARN'],
    ['error', 'ERROR'],
    ['fatal', 'FATAL'],
  ])('reads the level label %s (our log schema) as pino-pretty shows %s', (level, shown) => {
    expect(plain(parseLogLine(JSON.stringify({ time: T, level, msg: 'm' }), 0))).toContain(` ${shown}: `);
  });

  it('reads numeric pino levels too', () => {
    expect(plain(parseLogLine(JSON.stringify({ time: T, level: 50, msg: 'm' }), 0))).toContain(' ERROR: ');
  });

  it('renders text lines of a cell as info messages', () => {
    expect(plain(parseLogLine('plain text from a cell', T))).toBe('[22:13:20.123] INFO: plain text from a cell');
  });

  it('colours only when asked', () => {
    const r = parseLogLine(JSON.stringify({ time: T, level: 'error', msg: 'x' }), 0);
    expect(plain(r)).not.toContain('\x1b[');
    const coloured = prettyPrinter(true)(r);
    expect(coloured).toContain('\x1b[');
    expect(stripVTControlCharacters(coloured)).toBe(plain(r));
  });
});
