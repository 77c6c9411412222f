import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.ts';
import { Liveness } from './liveness.ts';

describe('Liveness', () => {
  it('pings a silent peer with calls in flight, then gives up after twice as long', () => {
    const clock = new ManualClock();
    const heardAt = clock.now();
    let inFlight = 1;
    const events: string[] = [];
    const liveness = new Liveness(
      { inFlight: () => inFlight, lastHeardAt: () => heardAt, ping: () => events.push('ping'), giveUp: (ms) => events.push(`give up after ${ms}`) },
      100,
      clock,
    );
    clock.advance(100);
    expect(events).toEqual([]);
    clock.advance(50);
    expect(events).toEqual(['ping']);
    clock.advance(100);
    expect(events.at(-1)).toMatch(/^give up after 2\d\d$/);
    inFlight = 0;
    const count = events.length;
    clock.advance(1000);
    expect(events.length).toBe(count); // an idle connection is never pinged or dropped
    liveness.stop();
    expect(clock.pending).toBe(0);
  });
});
