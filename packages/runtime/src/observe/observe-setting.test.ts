import { describe, expect, it } from 'vitest';
import { observeSetting } from './observe-setting.ts';

const parse = (v: unknown) => (v === 'off' ? { ok: true as const, value: null } : /^\d+$/.test(String(v)) ? { ok: true as const, value: Number(v) } : { ok: false as const, message: `not a number: ${String(v)}` });

describe('observeSetting', () => {
  it('takes the environment variable first, then the root, then the default', () => {
    expect(observeSetting({ X: '7' }, 'X', parse, 3, 1)).toBe(7);
    expect(observeSetting({ X: 'off' }, 'X', parse, 3, 1)).toBeNull();
    expect(observeSetting({}, 'X', parse, 3, 1)).toBe(3);
    expect(observeSetting({ X: '' }, 'X', parse, null, 1)).toBeNull(); // the root said off
    expect(observeSetting({}, 'X', parse, undefined, 1)).toBe(1);
  });

  it('names the variable when its value is bad', () => {
    expect(() => observeSetting({ X: 'many' }, 'X', parse, 3, 1)).toThrow(/^X: not a number: many$/);
  });
});
