import { describe, expect, it } from 'vitest';
import { parseUntil } from './donation-window.ts';

// Dates are built in local time, as `--until HH:MM` reads them, so the tests hold in any zone.
const local = (day: number, hour: number, minute: number, second = 0) => new Date(2026, 0, day, hour, minute, second);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('parseUntil', () => {
  it('HH:MM later today is today', () => {
    expect(parseUntil('08:00', local(10, 7, 59, 30))).toEqual(local(10, 8, 0));
    expect(parseUntil('23:59', local(10, 0, 0))).toEqual(local(10, 23, 59));
  });

  it('HH:MM that has passed, or is now, is tomorrow', () => {
    expect(parseUntil('08:00', local(10, 22, 15))).toEqual(local(11, 8, 0));
    expect(parseUntil('08:00', local(10, 8, 0))).toEqual(local(11, 8, 0));
    expect(parseUntil('08:00', local(10, 8, 0, 1))).toEqual(local(11, 8, 0));
    expect(parseUntil('00:00', local(31, 23, 30))).toEqual(new Date(2026, 1, 1, 0, 0));
  });

  it('accepts one-digit hours and surrounding space', () => {
    expect(parseUntil(' 8:05 ', local(10, 1, 0))).toEqual(local(10, 8, 5));
  });

  it('refuses what is not a time', () => {
    for (const spec of ['', '8', '24:00', '12:60', '12:5', '8am', '-1:00', '12:00:00', 'tomorrow']) {
      expect(codeOf(() => parseUntil(spec, local(10, 0, 0))), spec).toBe('CELL_E_INVALID_ARGUMENT');
    }
  });

  it('accepts a full ISO date-time in the future, local without a zone', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    expect(parseUntil('2026-01-12T08:00', now)).toEqual(new Date(2026, 0, 12, 8, 0));
    expect(parseUntil('2026-01-12T08:00:30Z', now)).toEqual(new Date('2026-01-12T08:00:30Z'));
    expect(parseUntil('2026-01-12T08:00:00.250+02:00', now)).toEqual(new Date('2026-01-12T06:00:00.250Z'));
  });

  it('refuses an ISO date-time that has passed, or a day the month does not have', () => {
    const now = new Date('2026-01-10T12:00:00Z');
    expect(codeOf(() => parseUntil('2026-01-10T12:00:00Z', now))).toBe('CELL_E_INVALID_ARGUMENT');
    expect(codeOf(() => parseUntil('2025-12-31T08:00Z', now))).toBe('CELL_E_INVALID_ARGUMENT');
    for (const spec of ['2026-02-30T08:00', '2026-13-01T08:00', '2026-01-00T08:00', '2026-01-12', '2026-01-12 08:00', '2026-01-12T25:00']) {
      expect(codeOf(() => parseUntil(spec, now)), spec).toBe('CELL_E_INVALID_ARGUMENT');
    }
    expect(parseUntil('2028-02-29T08:00Z', now)).toEqual(new Date('2028-02-29T08:00Z'));
  });
});
