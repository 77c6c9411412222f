import { describe, expect, it } from 'vitest';
import { parseBytes, parseCpu, parseDuration, parseDurationRange } from './units.ts';

describe('units', () => {
  it('parses sizes in decimal and binary units', () => {
    expect(parseBytes('256MB')).toEqual({ ok: true, value: 256_000_000 });
    expect(parseBytes('1GiB')).toEqual({ ok: true, value: 1024 ** 3 });
    expect(parseBytes('512 kib')).toEqual({ ok: true, value: 512 * 1024 });
    expect(parseBytes(4096)).toEqual({ ok: true, value: 4096 });
  });

  it('rejects sizes without a known unit, naming the value', () => {
    const r = parseBytes('12 potatoes');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toContain('"12 potatoes" is not a size');
    expect(parseBytes('12').ok).toBe(false);
    expect(parseBytes(true).ok).toBe(false);
  });

  it('parses durations and ranges', () => {
    expect(parseDuration('10m')).toEqual({ ok: true, value: 600_000 });
    expect(parseDuration('1h30m')).toEqual({ ok: true, value: 5_400_000 });
    expect(parseDuration('100ms')).toEqual({ ok: true, value: 100 });
    expect(parseDuration('ten minutes').ok).toBe(false);
    expect(parseDuration('10 parsecs').ok).toBe(false);
    expect(parseDurationRange('100ms..5s')).toEqual({ ok: true, value: { minMs: 100, maxMs: 5000 } });
    expect(parseDurationRange('5s..1s').ok).toBe(false);
  });

  it('parses cpu as cores or millicores', () => {
    expect(parseCpu(0.25)).toEqual({ ok: true, value: 0.25 });
    expect(parseCpu('500m')).toEqual({ ok: true, value: 0.5 });
    expect(parseCpu(0).ok).toBe(false);
    expect(parseCpu('lots').ok).toBe(false);
  });
});
