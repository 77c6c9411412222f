import { describe, expect, it } from 'vitest';
import { validateToml } from '../test-fixtures/temp-files.ts';

const CELL = '[cell]\nname = "a"\nversion = "1.0.0"\n[life_cycle]\n';
const lifeCycle = (toml: string) => validateToml(CELL + toml).config?.lifeCycle;
const problemsOf = (toml: string) => Object.fromEntries(validateToml(CELL + toml).problems.map((p) => [p.key, p.message]));

describe('[life_cycle]', () => {
  it('defaults: no idle timeout, 5 restarts in 60s with 100ms..5s backoff, 5s grace, 30s to be ready', () => {
    expect(lifeCycle('')).toEqual({
      idleTimeoutMs: undefined,
      restart: { max: 5, withinMs: 60_000, backoffMinMs: 100, backoffMaxMs: 5000 },
      graceMs: 5000,
      readyTimeoutMs: 30_000,
    });
  });

  it('reads every key in milliseconds, keeping restart defaults for keys not given', () => {
    expect(lifeCycle('idle_timeout = "10m"\ngrace = "1s"\nready_timeout = "2s"\nrestart = { max = 0, backoff = "10ms..1s" }\n')).toEqual({
      idleTimeoutMs: 600_000,
      restart: { max: 0, withinMs: 60_000, backoffMinMs: 10, backoffMaxMs: 1000 },
      graceMs: 1000,
      readyTimeoutMs: 2000,
    });
  });

  it('refuses durations past 2^31-1 ms, without a unit, or a ready timeout under 100ms', () => {
    expect(problemsOf('grace = "25d"\nidle_timeout = 60000\nready_timeout = "10ms"\n')).toEqual({
      'life_cycle.grace': expect.stringContaining('is too long: a duration is at most 24d20h31m23s647ms'),
      'life_cycle.idle_timeout': expect.stringContaining('a duration needs a unit'),
      'life_cycle.ready_timeout': 'must be at least 100ms; got "10ms"',
    });
  });

  it('refuses a backoff that is not exactly two durations, low to high', () => {
    for (const backoff of ['1s..2s..3s', '1s', '2s..1s', '..1s', '1s..30d']) {
      expect(problemsOf(`restart = { backoff = "${backoff}" }`), backoff).toHaveProperty(['life_cycle.restart.backoff']);
    }
  });

  it('refuses a negative or fractional restart count and a restart that is not a table', () => {
    expect(problemsOf('restart = { max = -1 }')['life_cycle.restart.max']).toBe('expected a whole number of restarts (0 or more), got number -1');
    expect(problemsOf('restart = 5')['life_cycle.restart']).toContain('expected a table like { max = 5');
  });
});
