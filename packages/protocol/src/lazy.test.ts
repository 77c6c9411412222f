import { describe, expect, it } from 'vitest';
import { lazy } from './lazy.ts';

describe('lazy', () => {
  it('makes the value on first use, once', () => {
    let made = 0;
    const value = lazy(() => ++made);
    expect(made).toBe(0);
    expect(value()).toBe(1);
    expect(value()).toBe(1);
    expect(made).toBe(1);
  });

  it('remembers undefined too', () => {
    let made = 0;
    const value = lazy(() => {
      made++;
      return undefined;
    });
    value();
    value();
    expect(made).toBe(1);
  });
});
