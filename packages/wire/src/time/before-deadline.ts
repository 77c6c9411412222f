import type { Clock } from '../clock.ts';

/**
 * `work`, or the error `late()` makes when `deadline` (epoch ms by `clock`) passes first; the work
 * goes on in the background.
 */
export function beforeDeadline<T>(work: Promise<T>, deadline: number, clock: Clock, late: () => Error): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = clock.setTimer(() => reject(late()), deadline - clock.now());
    work.then(
      (v) => {
        clock.clearTimer(timer);
        resolve(v);
      },
      (e: unknown) => {
        clock.clearTimer(timer);
        reject(e);
      },
    );
  });
}
