import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.ts';
import { ArrivalClock } from './arrival-clock.ts';

describe('ArrivalClock', () => {
  it('reads the clock once for everything handled in one turn, and again in the next', async () => {
    const clock = new ManualClock();
    const arrival = new ArrivalClock(clock);
    const first = arrival.now();
    clock.advance(50);
    expect(arrival.now()).toBe(first); // the same read: its requests arrived together
    await Promise.resolve(); // the read is handled
    expect(arrival.now()).toBe(first + 50);
  });
});
