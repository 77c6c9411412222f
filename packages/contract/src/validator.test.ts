import { describe, expect, it } from 'vitest';
import { Type, type TSchema } from 'typebox';
import { Settings } from 'typebox/system';
import { Bytes } from './bytes.ts';
import { compileValidator, lazyValidator } from './validator.ts';

describe.each([
  ['compileValidator', compileValidator],
  ['lazyValidator on the interpreter', (schema: TSchema) => lazyValidator(schema, Infinity)],
])('%s', (_, compileValidator) => {
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

  describe('bytes', () => {
    const image = compileValidator(Bytes({ minBytes: 2, maxBytes: 4 }));

    it('accepts a Uint8Array or a Buffer within the byte limits, at the limits too', () => {
      for (const n of [2, 3, 4]) {
        expect(image.check(new Uint8Array(n)), `${n} bytes`).toBe(true);
        expect(image.check(Buffer.alloc(n)), `a Buffer of ${n} bytes`).toBe(true);
      }
      expect(image.check(Buffer.alloc(64).subarray(10, 13))).toBe(true); // a view counts its own bytes
      expect(compileValidator(Bytes()).check(new Uint8Array(0))).toBe(true);
    });

    it('refuses strings (base64 too), arrays of numbers, other views and sizes out of bounds, naming why', () => {
      for (const v of ['AAAA', [1, 2, 3], { 0: 1, length: 1 }, new Uint16Array(2), new DataView(new ArrayBuffer(3)), new ArrayBuffer(3), null, undefined]) {
        expect(image.check(v), String(v)).toBe(false);
        expect(image.issues(v)).toEqual([{ path: '/', message: 'must be bytes (a Uint8Array)' }]);
      }
      expect(image.check(new Uint8Array(5))).toBe(false);
      expect(image.issues(new Uint8Array(5))).toEqual([{ path: '/', message: 'must not have more than 4 bytes' }]);
      expect(image.issues(Buffer.alloc(1))).toEqual([{ path: '/', message: 'must not have fewer than 2 bytes' }]);
    });

    it('checks bytes anywhere in a schema: properties, optional ones, arrays, unions, with their paths', () => {
      const upload = compileValidator(
        Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 3 }), thumb: Type.Optional(Bytes()), parts: Type.Array(Bytes({ maxBytes: 1 })), maybe: Type.Union([Bytes(), Type.Null()]) }),
      );
      const ok = { name: 'a', image: Buffer.from('abc'), parts: [new Uint8Array(1)], maybe: null };
      expect(upload.check(ok)).toBe(true);
      expect(upload.check({ ...ok, thumb: new Uint8Array(9), maybe: new Uint8Array(1) })).toBe(true);
      const bad = { name: 'a', image: Buffer.from('abcd'), thumb: 'x', parts: [new Uint8Array(1), [1]], maybe: null };
      expect(upload.check(bad)).toBe(false);
      expect(upload.issues(bad).map((i) => `${i.path} ${i.message}`)).toEqual([
        '/image must not have more than 3 bytes',
        '/thumb must be bytes (a Uint8Array)',
        '/parts/1 must be bytes (a Uint8Array)',
      ]);
    });

    it('checks the JSON form of bytes as read from a genome, and keeps refinements of its own', () => {
      const fromGenome = compileValidator(JSON.parse(JSON.stringify(Type.Object({ b: Bytes({ maxBytes: 2 }) }))) as TSchema);
      expect(fromGenome.check({ b: new Uint8Array(2) })).toBe(true);
      expect(fromGenome.check({ b: 'AAA=' })).toBe(false);
      expect(fromGenome.check({ b: new Uint8Array(3) })).toBe(false);
      const even = compileValidator(Type.Refine(Bytes(), (b) => b.byteLength % 2 === 0, () => 'must have an even length'));
      expect(even.check(new Uint8Array(2))).toBe(true);
      expect(even.issues(new Uint8Array(3))).toEqual([{ path: '/', message: 'must have an even length' }]);
    });
  });
});

describe('lazyValidator', () => {
  it('reads its schema only at its first use, checks on the interpreter, then compiles once after compileAfter checks', () => {
    let reads = 0;
    const schema = Type.Object({ sku: Type.String({ minLength: 1 }), qty: Type.Integer({ minimum: 1 }) });
    const watched = new Proxy(schema, {
      get(target, key, receiver) {
        reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    });
    const lazy = lazyValidator(watched, 3);
    expect(reads).toBe(0);
    for (let i = 0; i < 3; i++) expect(lazy.check({ sku: 'mug', qty: 2 })).toBe(true);
    expect(reads).toBeGreaterThan(0);
    // The 4th check compiles; the compiled code then checks without reading the schema again.
    expect(lazy.check({ sku: '', qty: 2 })).toBe(false);
    const afterCompile = reads;
    expect(lazy.check({ sku: 'mug', qty: 0 })).toBe(false);
    expect(lazy.check({ sku: 'mug', qty: 5 })).toBe(true);
    expect(reads).toBe(afterCompile);
    expect(lazy.issues({ sku: 3, qty: 0 }).map((i) => i.path).sort()).toEqual(['/qty', '/sku']);
  });

  it('gives the same answers interpreted and, after compileAfter checks, compiled', () => {
    const v = lazyValidator(Type.Object({ n: Type.Integer({ minimum: 1 }), s: Type.Optional(Type.String()) }, { additionalProperties: false }), 2);
    const cases: Array<[unknown, boolean]> = [
      [{ n: 1 }, true],
      [{ n: 0 }, false],
      [{ n: 2, s: 'x' }, true],
      [{ n: 2, s: 3 }, false],
      [{ n: 2, extra: true }, false],
      ['n', false],
    ];
    for (let round = 0; round < 2; round++) for (const [value, ok] of cases) expect(v.check(value)).toBe(ok);
  });
});
