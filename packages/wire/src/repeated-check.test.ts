import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { repeatedCheck } from './repeated-check.ts';

describe('repeatedCheck', () => {
  it('gives the same answers interpreted and, after a few uses, compiled', () => {
    const check = repeatedCheck(Type.Object({ n: Type.Integer({ minimum: 1 }), s: Type.Optional(Type.String()) }, { additionalProperties: false }), 2);
    const cases: Array<[unknown, boolean]> = [
      [{ n: 1 }, true],
      [{ n: 0 }, false],
      [{ n: 2, s: 'x' }, true],
      [{ n: 2, s: 3 }, false],
      [{ n: 2, extra: true }, false],
      ['n', false],
    ];
    for (let round = 0; round < 2; round++) for (const [value, ok] of cases) expect(check(value)).toBe(ok);
  });
});
