import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}');
  });

  it('gives the same bytes for the same value whatever the key order', () => {
    expect(canonicalBytes({ x: 1, y: 2 })).toEqual(canonicalBytes({ y: 2, x: 1 }));
  });

  it('drops undefined members, writes undefined array items as null, escapes strings as JSON does', () => {
    expect(canonicalJson({ a: undefined, b: [undefined], c: 'é"\n' })).toBe('{"b":[null],"c":"é\\"\\n"}');
  });

  it('writes numbers as JavaScript prints them and refuses what JSON cannot hold', () => {
    expect(canonicalJson([0.25, 1e21, -0])).toBe('[0.25,1e+21,0]');
    expect(() => canonicalJson(Number.NaN)).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(() => canonicalJson({ f: () => 1 })).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
  });
});
