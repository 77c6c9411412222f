import { describe, expect, it } from 'vitest';
import { Type, type TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import { compileValidator } from './validator.ts';

describe('compileValidator', () => {
  const order = compileValidator(Type.Object({ sku: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) }));

  it('checks values against the schema', () => {
    expect(order.check({ sku: 'mug', qty: 2 })).toBe(true);
    expect(order.check({ sku: 'mug', qty: 2, note: 'gift' })).toBe(true);
    expect(order.check({ sku: '', qty: 2 })).toBe(false);
    expect(order.check({ sku: 'mug', qty: 1.5 })).toBe(false);
    expect(order.check(null)).toBe(false);
  });

  it('names every failing path as a JSON Pointer, the root as "/"', () => {
    const issues = order.issues({ sku: 3, qty: 0 });
    expect(issues.map((i) => i.path).sort()).toEqual(['/qty', '/sku']);
    for (const i of issues) expect(i.message.length).toBeGreaterThan(0);
    expect(compileValidator(Type.String()).issues(5).map((i) => i.path)).toEqual(['/']);
  });

  it('reports nested paths', () => {
    const v = compileValidator(Type.Object({ lines: Type.Array(Type.Object({ qty: Type.Integer() })) }));
    expect(v.issues({ lines: [{ qty: 1 }, { qty: 'x' }] }).map((i) => i.path)).toEqual(['/lines/1/qty']);
  });

  it('caps the issues it reports, however bad the value', () => {
    const props: Record<string, TSchema> = {};
    for (let i = 0; i < 50; i++) props[`f${i}`] = Type.String();
    const wide = compileValidator(Type.Object(props));
    const bad = Object.fromEntries(Object.keys(props).map((k) => [k, 0]));
    const issues = wide.issues(bad);
    expect(issues).toHaveLength(20);
    expect(new Set(issues.map((i) => i.path)).size).toBe(20);
    // TypeBox's own global limit is left as it was for everything else in the process.
    expect(Settings.Get().maxErrors).toBe(8);
  });

  it('compiles plain JSON Schema too (a genome read from disk)', () => {
    const v = compileValidator({ type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] } as unknown as TSchema);
    expect(v.check({ a: 1 })).toBe(true);
    expect(v.issues({ a: 1.5 })).toEqual([{ path: '/a', message: expect.any(String) }]);
    expect(v.issues({}).map((i) => i.path)).toEqual(['/']);
  });
});
