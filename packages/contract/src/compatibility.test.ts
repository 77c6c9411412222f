import { describe, expect, it } from 'vitest';
import { Type, type TSchema } from 'typebox';
import { Bytes } from './bytes.ts';
import { defineContract, serverStream, unary } from './contract.ts';
import { compareGenomes, formatChange } from './compatibility.ts';
import { toGenome } from './genome.ts';

const Item = Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) });

function shop(options: { input?: TSchema; output?: TSchema; errors?: Record<string, TSchema>; extra?: boolean } = {}) {
  return toGenome(
    defineContract({
      name: 'shop',
      version: '1.0.0',
      methods: {
        buy: unary({
          input: options.input ?? Item,
          output: options.output ?? Type.Object({ id: Type.String(), total: Type.Integer() }),
          errors: options.errors ?? { SoldOut: Type.Object({ sku: Type.String() }) },
        }),
        ...(options.extra ? { watch: serverStream({ input: Type.Object({}), output: Type.String() }) } : {}),
      },
    }),
  );
}

const base = shop();
const diff = (next: ReturnType<typeof shop>) => {
  const r = compareGenomes(base, next);
  return { breaking: r.breaking.map(formatChange), compatible: r.compatible.map(formatChange) };
};

describe('compareGenomes', () => {
  it('finds nothing between identical genomes', () => {
    expect(compareGenomes(base, shop())).toEqual({ compatible: [], breaking: [] });
  });

  it('classifies additive changes as compatible', () => {
    const r = diff(
      shop({
        input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }), note: Type.Optional(Type.String()) }),
        output: Type.Object({ id: Type.String(), total: Type.Integer(), eta: Type.String() }),
        extra: true,
      }),
    );
    expect(r.breaking).toEqual([]);
    expect(r.compatible).toEqual(['buy /input/note: optional field added (… → string)', 'buy /output/eta: field added (… → string)', 'watch /: method added (… → watch)']);
  });

  it('names every breaking change with method, path, old and new', () => {
    expect(diff(shop({ input: Type.Object({ sku: Type.Number(), qty: Type.Integer({ minimum: 1 }) }) })).breaking).toEqual([
      'buy /input/sku: type changed (string → number)',
    ]);
    expect(diff(shop({ input: Type.Object({ code: Type.String(), qty: Type.Integer({ minimum: 1 }) }) })).breaking).toEqual([
      'buy /input/sku: field removed (callers still send it) (string → nothing)',
      'buy /input/code: new required field (callers do not send it) (nothing → string)',
    ]);
    expect(diff(shop({ input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }), warehouse: Type.String() }) })).breaking).toEqual([
      'buy /input/warehouse: new required field (callers do not send it) (nothing → string)',
    ]);
    expect(diff(shop({ output: Type.Object({ id: Type.String() }) })).breaking).toEqual(['buy /output/total: field removed (callers still read it) (integer → nothing)']);
    expect(diff(shop({ output: Type.Object({ id: Type.String(), total: Type.Optional(Type.Integer()) }) })).breaking).toEqual([
      'buy /output/total: field became optional (callers rely on it) (required → optional)',
    ]);
    expect(diff(shop({ errors: {} })).breaking).toEqual(['buy /errors/SoldOut: declared error removed (SoldOut → nothing)']);
    expect(diff(shop({ input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 5 }) }) })).breaking).toEqual([
      'buy /input/qty: minimum changed (1 → 5)',
    ]);
  });

  it('knows which way optionality and unions may move', () => {
    const optionalInput = shop({ input: Type.Object({ sku: Type.String(), qty: Type.Optional(Type.Integer({ minimum: 1 })) }) });
    expect(diff(optionalInput).breaking).toEqual([]);
    expect(compareGenomes(optionalInput, base).breaking.map(formatChange)).toEqual(['buy /input/qty: optional field became required (optional → required)']);
    const colours = (cs: string[]) => shop({ output: Type.Object({ id: Type.String(), total: Type.Integer(), colour: Type.Union(cs.map((c) => Type.Literal(c))) }) });
    expect(compareGenomes(colours(['red', 'blue']), colours(['red'])).breaking).toEqual([]);
    expect(compareGenomes(colours(['red']), colours(['red', 'blue'])).breaking.map(formatChange)).toEqual(['buy /output/colour: now may return "blue" ("red" → "red" | "blue")']);
  });

  it('treats a removed method as breaking', () => {
    const r = compareGenomes(shop({ extra: true }), base);
    expect(r.breaking.map(formatChange)).toEqual(['watch /: method removed (or renamed) (watch → nothing)']);
  });

  describe('bytes', () => {
    const photo = (image: TSchema, thumb: TSchema = Bytes()) => shop({ input: Type.Object({ sku: Type.String(), image }), output: Type.Object({ id: Type.String(), total: Type.Integer(), thumb }) });
    const between = (a: ReturnType<typeof shop>, b: ReturnType<typeof shop>) => {
      const r = compareGenomes(a, b);
      return { breaking: r.breaking.map(formatChange), compatible: r.compatible.map(formatChange) };
    };

    it('breaks when bytes become another type or another type becomes bytes, text included', () => {
      expect(between(photo(Bytes()), photo(Type.String())).breaking).toEqual(['buy /input/image: type changed (bytes → string)']);
      expect(between(photo(Type.String({ contentEncoding: 'base64' })), photo(Bytes())).breaking).toEqual(['buy /input/image: type changed (string → bytes)']);
      expect(between(photo(Bytes(), Bytes()), photo(Bytes(), Type.String())).breaking).toEqual(['buy /output/thumb: type changed (bytes → string)']);
      expect(between(photo(Bytes()), photo(Type.Array(Type.Integer()))).breaking).toEqual(['buy /input/image: type changed (bytes → integer[])']);
    });

    it('lets an input take more bytes and an output return fewer, and not the other way round', () => {
      const small = photo(Bytes({ maxBytes: 8 }), Bytes({ maxBytes: 8 }));
      const large = photo(Bytes({ maxBytes: 16 }), Bytes({ maxBytes: 16 }));
      expect(between(small, large)).toEqual({ breaking: ['buy /output/thumb: maxBytes changed (8 → 16)'], compatible: ['buy /input/image: maxBytes changed (8 → 16)'] });
      expect(between(large, small)).toEqual({ breaking: ['buy /input/image: maxBytes changed (16 → 8)'], compatible: ['buy /output/thumb: maxBytes changed (16 → 8)'] });
      expect(between(photo(Bytes()), photo(Bytes({ maxBytes: 8, minBytes: 1 }))).breaking).toEqual(['buy /input/image: minBytes added (none → 1)', 'buy /input/image: maxBytes added (none → 8)']);
      expect(between(photo(Bytes({ maxBytes: 8 })), photo(Bytes({ maxBytes: 8, description: 'a photo' })))).toEqual({ breaking: [], compatible: [] });
    });
  });
});
