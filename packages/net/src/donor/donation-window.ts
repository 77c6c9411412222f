import { CellError } from '@cell/protocol';

// `cell donate --until 08:00` gives the machine away overnight: the donor stops taking placements
// and hands its replicas back at that time. The clock is the caller's (`now`), so tests drive it.

const HELP = 'use HH:MM (24-hour, local time) or an ISO date-time such as 2026-06-01T08:00';
const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;
// A full date and time; without a zone it is local time (as `Date` reads it).
const ISO = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):([0-5]\d)(?::[0-5]\d(?:\.\d{1,3})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?$/;

function invalid(spec: string, why: string): CellError {
  return new CellError('CELL_E_INVALID_ARGUMENT', `--until "${spec}" ${why}; ${HELP}`, { details: { option: 'until', value: spec } });
}

/** The next local `hour:minute` strictly after `now`: today's, or tomorrow's once today's has passed. */
function nextClockTime(now: Date, hour: number, minute: number): Date {
  const at = new Date(now);
  at.setHours(hour, minute, 0, 0);
  if (at.getTime() <= now.getTime()) {
    // Moving the date and setting the time again keeps the wall-clock time across a DST change.
    at.setDate(at.getDate() + 1);
    at.setHours(hour, minute, 0, 0);
  }
  return at;
}

/**
 * When a donation ends (`--until`): `HH:MM` is the next such local time strictly after `now`
 * (tomorrow when today's has passed or is now); a full ISO date-time (`2026-06-01T08:00`, with
 * optional seconds and zone, local time without one) must itself be after `now`. A local time a
 * DST change skips moves forward as `Date` moves it. Throws CELL_E_INVALID_ARGUMENT otherwise.
 */
export function parseUntil(spec: string, now: Date): Date {
  const text = spec.trim();
  const clock = CLOCK.exec(text);
  if (clock) return nextClockTime(now, Number(clock[1]), Number(clock[2]));
  const iso = ISO.exec(text);
  if (!iso) throw invalid(spec, 'is not a time');
  const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  // `Date` rolls 2026-02-30 over into March; a day the month does not have is a mistake.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) throw invalid(spec, 'is not a date');
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw invalid(spec, 'is not a time');
  if (at.getTime() <= now.getTime()) throw invalid(spec, `has passed (it is ${now.toISOString()})`);
  return at;
}
