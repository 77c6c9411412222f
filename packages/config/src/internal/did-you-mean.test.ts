import { describe, expect, it } from 'vitest';
import { didYouMean } from './did-you-mean.ts';

const KEYS = ['cpu', 'memory', 'storage', 'gpu'];

describe('didYouMean', () => {
  it('suggests the closest key within two edits', () => {
    expect(didYouMean('memroy', KEYS)).toBe('memory');
    expect(didYouMean('storag', KEYS)).toBe('storage');
    expect(didYouMean('gpus', KEYS)).toBe('gpu');
  });

  it('prefers the nearest of several and the first of equals', () => {
    expect(didYouMean('cpy', ['cpx', 'cpu'])).toBe('cpx');
  });

  it('suggests nothing for keys too far or too long', () => {
    expect(didYouMean('colour', KEYS)).toBeUndefined();
    expect(didYouMean(`memory${'x'.repeat(100)}`, KEYS)).toBeUndefined();
  });
});
