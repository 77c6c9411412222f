import type { Clock } from '../clock.ts';

/**
 * The clock when the bytes being handled arrived: read once for everything one read of the
 * socket brought (it arrived together), and forgotten once that read is handled. A membrane
 * counts its requests' deadlines from it: a clock read per request showed in the profile of
 * pipelined calls.
 */
export class ArrivalClock {
  private readonly clock: Clock;
  /** -1 when not read since the last read of the socket was handled. */
  private arrival = -1;
  private readonly forget = () => {
    this.arrival = -1;
  };

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Epoch ms of the read being handled. */
  now(): number {
    if (this.arrival < 0) {
      this.arrival = this.clock.now();
      queueMicrotask(this.forget);
    }
    return this.arrival;
  }
}
