import type { CellStats, ProcessExit, SupervisedProcess } from './supervised-process.ts';

/**
 * A replica whose process could not be started at all (its executable is missing, a port it
 * needs is taken, a variable it names is not set): it has ended before it began, with why.
 */
export class UnstartedProcess implements SupervisedProcess {
  readonly pid = 0;
  readonly startedAt = Date.now();
  readonly axonPort = undefined;
  readonly isRunning = false;
  readonly ready: Promise<void>;
  readonly exited: Promise<ProcessExit>;
  readonly reason: Error;

  constructor(reason: Error) {
    this.reason = reason;
    this.exited = Promise.resolve({ code: null, signal: null, idle: false, requested: false, unready: false, cannotStart: reason.message, at: Date.now() });
    this.ready = Promise.reject(reason);
    this.ready.catch(() => undefined);
  }

  stats(): Promise<CellStats | undefined> {
    return Promise.resolve(undefined);
  }

  rssBytes(): null {
    return null;
  }

  drain(): Promise<ProcessExit> {
    return this.exited;
  }

  killUnready(): Promise<ProcessExit> {
    return this.exited;
  }

  kill(): Promise<ProcessExit> {
    return this.exited;
  }
}
