import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from './suggest.ts';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['echo', 'echo', 0],
    ['ecko', 'echo', 1],
    ['ech', 'echo', 1],
    ['echoo', 'echo', 1],
    ['ehco', 'echo', 1], // an adjacent swap is one edit
    ['kitten', 'sitting', 3],
    ['abc', 'xyz', 3],
  ])('%j -> %j is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});

describe('closestName', () => {
  const methods = ['echo', 'half', 'whoami', 'placeOrder'];

  it('suggests the nearest name for a typo, a swap, a wrong case or a prefix', () => {
    expect(closestName('ecko', methods)).toBe('echo');
    expect(closestName('hlaf', methods)).toBe('half');
    expect(closestName('PlaceOrder', methods)).toBe('placeOrder');
    expect(closestName('placeOrdr', methods)).toBe('placeOrder');
    expect(closestName('who', methods)).toBe('whoami');
  });

  it('suggests nothing when no name is close, or there is none', () => {
    expect(closestName('refund', methods)).toBeUndefined();
    expect(closestName('x', methods)).toBeUndefined();
    expect(closestName('echo', [])).toBeUndefined();
  });

  it('gives a tie to the first candidate', () => {
    expect(closestName('ab', ['ac', 'ad'])).toBe('ac');
  });
});
