import { describe, expect, it } from 'vitest';
import { formatDuration, MAX_DURATION_MS, parseBytes, parseCpu, parseDuration, parseDurationRange } from './units.ts';

const failure = (r: { ok: boolean; message?: string }) => (r.ok ? undefined : r.message);

describe('parseBytes', () => {
  it('parses sizes in decimal and binary units', () => {
    expect(parseBytes('256MB')).toEqual({ ok: true, value: 256_000_000 });
    expect(parseBytes('1GiB')).toEqual({ ok: true, value: 1024 ** 3 });
    expect(parseBytes('512 kib')).toEqual({ ok: true, value: 512 * 1024 });
    expect(parseBytes('0B')).toEqual({ ok: true, value: 0 });
  });

  it('rejects sizes without a known unit, naming the value', () => {
    const r = parseBytes('12 potatoes');
    expect(r.ok).toBe(false);
    expect(failure(r)).toContain('"12 potatoes" is not a size');
    expect(parseBytes('12').ok).toBe(false);
    expect(parseBytes(true).ok).toBe(false);
  });

  it('refuses a bare number instead of reading it as bytes', () => {
    expect(failure(parseBytes(256))).toBe('a size needs a unit, e.g. "256MB"; got the bare number 256');
    expect(parseBytes(4096).ok).toBe(false);
  });

  it('refuses sizes too large to count in bytes exactly', () => {
    expect(failure(parseBytes('99999999TiB'))).toContain('too large');
  });
});

describe('parseDuration', () => {
  it('parses durations, alone or combined largest unit first', () => {
    expect(parseDuration('10m')).toEqual({ ok: true, value: 600_000 });
    expect(parseDuration('1h30m')).toEqual({ ok: true, value: 5_400_000 });
    expect(parseDuration('1h 30m 5s 20ms')).toEqual({ ok: true, value: 5_405_020 });
    expect(parseDuration('100ms')).toEqual({ ok: true, value: 100 });
    expect(parseDuration('1.5s')).toEqual({ ok: true, value: 1500 });
  });

  it('rejects what is not one', () => {
    for (const bad of ['ten minutes', '10 parsecs', '', ' ', '-5s', '5', '1s2s', '30m1h', '10mins', '1e3s']) {
      expect(parseDuration(bad).ok, bad).toBe(false);
    }
  });

  it('refuses a bare number instead of reading it as milliseconds', () => {
    expect(failure(parseDuration(5000))).toContain('a duration needs a unit');
  });

  it('refuses durations a Node timer cannot wait, naming the maximum', () => {
    expect(MAX_DURATION_MS).toBe(2 ** 31 - 1);
    expect(parseDuration('24d20h31m23s647ms')).toEqual({ ok: true, value: MAX_DURATION_MS });
    expect(parseDuration('24d20h31m23s648ms').ok).toBe(false);
    expect(failure(parseDuration('25d'))).toBe(
      '"25d" is too long: a duration is at most 24d20h31m23s647ms (2^31-1 ms, the longest a Node timer can wait)',
    );
    expect(failure(parseDuration('999999999999999999d'))).toContain('too long');
  });
});

describe('parseDurationRange', () => {
  it('parses exactly two durations, low to high', () => {
    expect(parseDurationRange('100ms..5s')).toEqual({ ok: true, value: { minMs: 100, maxMs: 5000 } });
    expect(parseDurationRange('1s..1s')).toEqual({ ok: true, value: { minMs: 1000, maxMs: 1000 } });
    expect(failure(parseDurationRange('5s..1s'))).toContain('minimum above its maximum');
  });

  it('refuses extra bounds, missing bounds and bad durations instead of truncating', () => {
    expect(failure(parseDurationRange('1s..2s..3s'))).toBe('expected a range of two durations like "100ms..5s", got "1s..2s..3s"');
    expect(parseDurationRange('..5s').ok).toBe(false);
    expect(parseDurationRange('1s..').ok).toBe(false);
    expect(parseDurationRange('1s...2s').ok).toBe(false);
    expect(parseDurationRange('1s').ok).toBe(false);
    expect(failure(parseDurationRange('1s..30d'))).toContain('too long');
    expect(parseDurationRange(5).ok).toBe(false);
  });
});

describe('parseCpu', () => {
  it('parses cpu as cores or millicores', () => {
    expect(parseCpu(0.25)).toEqual({ ok: true, value: 0.25 });
    expect(parseCpu('500m')).toEqual({ ok: true, value: 0.5 });
    expect(parseCpu(0).ok).toBe(false);
    expect(parseCpu('0m').ok).toBe(false);
    expect(parseCpu('lots').ok).toBe(false);
  });
});

describe('formatDuration', () => {
  it('writes milliseconds as cell.toml does', () => {
    expect(formatDuration(MAX_DURATION_MS)).toBe('24d20h31m23s647ms');
    expect(formatDuration(100)).toBe('100ms');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(0)).toBe('0ms');
  });
});
