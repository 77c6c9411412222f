import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Bytes } from './bytes.ts';
import { defineContract, unary } from './contract.ts';
import { canonicalJson, genomeFingerprint, methodFingerprint, toGenome } from './genome.ts';

const make = (input: Parameters<typeof unary>[0]['input'], description?: string) =>
  defineContract({
    name: 'shop',
    version: '1.0.0',
    methods: {
      buy: unary({
        input,
        output: Type.Object({ ok: Type.Boolean() }),
        errors: { SoldOut: Type.Object({ sku: Type.String() }) },
        ...(description ? { description } : {}),
      }),
    },
  });

describe('genome', () => {
  it('is plain JSON with name, version, methods, schemas, errors and a fingerprint', () => {
    const g = toGenome(make(Type.Object({ sku: Type.String() })));
    expect(JSON.parse(JSON.stringify(g))).toEqual(g);
    expect(g).toMatchObject({ genome: 1, name: 'shop', version: '1.0.0' });
    expect(g.methods['buy']).toMatchObject({
      kind: 'unary',
      input: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } },
      errors: { SoldOut: { type: 'object' } },
    });
    expect(g.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('gives the same contract the same fingerprint, independent of key order and descriptions', () => {
    const a = toGenome(make(Type.Object({ sku: Type.String(), qty: Type.Integer() })));
    const b = toGenome(make(Type.Object({ qty: Type.Integer(), sku: Type.String() }), 'buys things'));
    const c = toGenome(make(Type.Object({ sku: Type.String({ description: 'stock unit' }), qty: Type.Integer() })));
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).toBe(a.fingerprint);
  });

  it('gives any change in shape another fingerprint', () => {
    const base = toGenome(make(Type.Object({ sku: Type.String() }))).fingerprint;
    const variants = [
      make(Type.Object({ sku: Type.Number() })),
      make(Type.Object({ sku: Type.Optional(Type.String()) })),
      make(Type.Object({ sku: Type.String(), qty: Type.Optional(Type.Integer()) })),
      make(Type.Object({ sku: Type.String({ minLength: 1 }) })),
      make(Type.Object({ sku: Bytes() })),
      make(Type.Object({ sku: Bytes({ maxBytes: 64 }) })),
    ];
    const prints = variants.map((v) => toGenome(v).fingerprint);
    expect(new Set([base, ...prints]).size).toBe(variants.length + 1);
  });

  it('gives the fingerprints a genome read from elsewhere is checked against', () => {
    const g = toGenome(make(Type.Object({ sku: Type.String(), qty: Type.Integer() }), 'buys things'));
    expect(genomeFingerprint(g)).toBe(g.fingerprint);
    for (const m of Object.values(g.methods)) expect(methodFingerprint(m)).toBe(m.fingerprint);
    const other = toGenome(make(Type.Object({ sku: Type.Number() })));
    expect(genomeFingerprint({ ...g, methods: other.methods })).not.toBe(g.fingerprint);
  });

  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: undefined, x: 2 }], c: 3 } })).toBe('{"a":{"c":3,"d":[{"x":2,"z":1}]},"b":1}');
  });
});
