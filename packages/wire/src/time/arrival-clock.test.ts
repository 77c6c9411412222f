import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.ts';
import { ArrivalClock } from './arrival-clock.ts';

describe('ArrivalClock', () => {
  it('reads the clock once for everything one read of the socket brought, and again after the next read', () => {
    const clock = new ManualClock();
    const socket = { reads: 1 };
    const arrival = new ArrivalClock(clock, socket);
    const first = arrival.now();
    clock.advance(50);
    expect(arrival.now()).toBe(first); // the same read: its requests arrived together
    socket.reads++;
    expect(arrival.now()).toBe(first + 50);
  });
});
