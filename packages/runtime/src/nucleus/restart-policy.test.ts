import { describe, expect, it } from 'vitest';
import { RestartTracker } from './restart-policy.ts';

describe('RestartTracker', () => {
  const policy = { max: 3, withinMs: 1000, backoffMinMs: 100, backoffMaxMs: 300 };

  it('backs off exponentially up to the maximum, then gives up past the intensity limit', () => {
    const t = new RestartTracker(policy);
    expect(t.onCrash(0)).toEqual({ restart: true, delayMs: 100 });
    expect(t.onCrash(10)).toEqual({ restart: true, delayMs: 200 });
    expect(t.onCrash(20)).toEqual({ restart: true, delayMs: 300 });
    const last = t.onCrash(30);
    expect(last.restart).toBe(false);
    expect(!last.restart && last.reason).toContain('4 times within 1000 ms (restart limit 3)');
  });

  it('forgets crashes older than the window', () => {
    const t = new RestartTracker(policy);
    t.onCrash(0);
    t.onCrash(10);
    t.onCrash(20);
    expect(t.onCrash(2000)).toEqual({ restart: true, delayMs: 100 });
  });
});
