import { describe, expect, it } from 'vitest';
import { Type, type TSchema } from 'typebox';
import { compileValidator } from './validator.ts';
import { unknownKeys } from './unknown-keys.ts';

const json = (s: TSchema) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

describe('unknownKeys', () => {
  const order = Type.Object({
    sku: Type.String(),
    lines: Type.Array(Type.Object({ qty: Type.Integer() })),
    meta: Type.Record(Type.String(), Type.String()),
    pair: Type.Tuple([Type.Object({ a: Type.Integer() }), Type.String()]),
  });

  it('lists the keys an open object schema does not name, nested ones and array items too, as JSON Pointers', () => {
    const value = { sku: 'mug', skew: 1, lines: [{ qty: 1 }, { qty: 2, note: 'x' }], meta: { any: 'thing' }, pair: [{ a: 1, b: 2 }, 's'], 'a/b~c': true };
    expect(unknownKeys(json(order), value)).toEqual(['/skew', '/lines/1/note', '/pair/0/b', '/a~1b~0c']);
  });

  it('is what the validator lets through: an open object accepts the extra keys', () => {
    const value = { sku: 'mug', lines: [], meta: {}, pair: [{ a: 1 }, 's'], extra: 1 };
    expect(compileValidator(order).check(value)).toBe(true);
    expect(unknownKeys(json(order), value)).toEqual(['/extra']);
  });

  it('lists nothing for a closed object (the validator refuses the extra key itself) or a union', () => {
    const closed = Type.Object({ n: Type.Integer() }, { additionalProperties: false });
    expect(compileValidator(closed).check({ n: 1, extra: 1 })).toBe(false);
    expect(unknownKeys(json(closed), { n: 1, extra: 1 })).toEqual([]);
    expect(unknownKeys(json(Type.Union([Type.Object({ a: Type.String() }), Type.Object({ b: Type.String() })])), { a: 'x', b: 'y', c: 1 })).toEqual([]);
  });

  it('lists nothing for values that are not objects, or schemas that say nothing', () => {
    expect(unknownKeys(json(Type.String()), 'x')).toEqual([]);
    expect(unknownKeys(json(Type.Object({ n: Type.Integer() })), null)).toEqual([]);
    expect(unknownKeys(undefined, { a: 1 })).toEqual([]);
    expect(unknownKeys(true, { a: 1 })).toEqual([]);
  });
});
