import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.ts';
import { beforeDeadline } from './before-deadline.ts';

const late = () => new Error('too late');

describe('beforeDeadline', () => {
  it('gives the work when it settles first, and leaves no timer behind', async () => {
    const clock = new ManualClock();
    await expect(beforeDeadline(Promise.resolve(7), clock.now() + 100, clock, late)).resolves.toBe(7);
    await expect(beforeDeadline(Promise.reject(new Error('failed')), clock.now() + 100, clock, late)).rejects.toThrow('failed');
    expect(clock.pending).toBe(0);
  });

  it('fails with what `late` makes once the deadline passes first', async () => {
    const clock = new ManualClock();
    const raced = beforeDeadline(new Promise(() => undefined), clock.now() + 100, clock, late);
    clock.advance(99);
    clock.advance(1);
    await expect(raced).rejects.toThrow('too late');
  });
});
