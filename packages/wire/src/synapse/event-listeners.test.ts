import { describe, expect, it } from 'vitest';
import type { WireLogger } from '../logger.ts';
import { EventListeners } from './event-listeners.ts';

describe('EventListeners', () => {
  it('calls the listeners of an event, survives one that throws, and unsubscribes', () => {
    const errors: unknown[] = [];
    const log = { error: (fields: object) => errors.push(fields) } as unknown as WireLogger;
    const listeners = new EventListeners(log);
    const got: unknown[] = [];
    listeners.on('e', () => {
      throw new Error('boom');
    });
    const off = listeners.on('e', (p) => got.push(p));
    listeners.on('other', (p) => got.push(`other ${String(p)}`));
    listeners.dispatch('e', 1);
    off();
    listeners.dispatch('e', 2);
    listeners.dispatch('none', 3);
    expect(got).toEqual([1]);
    expect(errors).toHaveLength(2);
  });
});
