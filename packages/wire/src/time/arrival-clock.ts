import type { Clock } from '../clock.ts';

/** What counts the reads of a socket: a FramedConnection. */
export interface ReadCounter {
  /** Reads of the socket handled or being handled. */
  readonly reads: number;
}

/**
 * The clock when the bytes being handled arrived: read once for everything one read of the
 * socket brought (it arrived together), and again after the next read. A membrane counts its
 * requests' deadlines from it: a clock read per request showed in the profile of pipelined calls,
 * and forgetting the reading in a microtask per read cost a one-at-a-time call as much again.
 */
export class ArrivalClock {
  private readonly clock: Clock;
  private readonly source: ReadCounter;
  private arrival = 0;
  /** The read `arrival` was taken in; -1 before the first. */
  private readOf = -1;

  constructor(clock: Clock, source: ReadCounter) {
    this.clock = clock;
    this.source = source;
  }

  /** Epoch ms of the read being handled. */
  now(): number {
    if (this.readOf !== this.source.reads) {
      this.arrival = this.clock.now();
      this.readOf = this.source.reads;
    }
    return this.arrival;
  }
}
