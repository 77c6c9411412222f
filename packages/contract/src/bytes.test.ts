import { describe, expect, expectTypeOf, it } from 'vitest';
import { Type, type Static } from 'typebox';
import { isCellError } from '@cell/protocol';
import { base64Length, Bytes, bytesLimits, isBytesSchema } from './bytes.ts';
import { defineContract, unary } from './contract.ts';
import { toGenome } from './genome.ts';

const json = (s: unknown) => JSON.parse(JSON.stringify(s)) as Record<string, unknown>;

describe('Bytes', () => {
  it('is typed Uint8Array, alone and inside objects', () => {
    expectTypeOf<Static<ReturnType<typeof Bytes>>>().toEqualTypeOf<Uint8Array>();
    const _upload = Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 8 << 20 }), thumb: Type.Optional(Bytes()) });
    expectTypeOf<Static<typeof _upload>>().toEqualTypeOf<{ name: string; image: Uint8Array; thumb?: Uint8Array }>();
  });

  it('appears in the genome as base64 text marked as bytes, with its limits in bytes and in base64 characters', () => {
    expect(json(Bytes())).toEqual({ type: 'string', contentEncoding: 'base64', contentMediaType: 'application/octet-stream', 'x-cell-bytes': true });
    expect(json(Bytes({ minBytes: 1, maxBytes: 10, description: 'a photo' }))).toEqual({
      type: 'string',
      contentEncoding: 'base64',
      contentMediaType: 'application/octet-stream',
      'x-cell-bytes': true,
      'x-cell-minBytes': 1,
      'x-cell-maxBytes': 10,
      minLength: 4,
      maxLength: 16,
      description: 'a photo',
    });
    const genome = toGenome(defineContract({ name: 'photos', version: '1.0.0', methods: { put: unary({ input: Type.Object({ image: Bytes({ maxBytes: 3 }) }), output: Bytes() }) } }));
    expect(genome.methods['put']!.input).toEqual({
      type: 'object',
      required: ['image'],
      properties: { image: { type: 'string', contentEncoding: 'base64', contentMediaType: 'application/octet-stream', 'x-cell-bytes': true, 'x-cell-maxBytes': 3, maxLength: 4 } },
    });
    expect(isBytesSchema(genome.methods['put']!.output)).toBe(true);
  });

  it('counts the base64 text of n bytes as 4 * ceil(n / 3) characters', () => {
    for (const n of [0, 1, 2, 3, 4, 5, 6, 1000, 8 << 20]) expect(base64Length(n)).toBe(Buffer.alloc(n).toString('base64').length);
  });

  it('is told apart from strings, and gives its limits back', () => {
    expect(isBytesSchema(Bytes())).toBe(true);
    expect(isBytesSchema(json(Bytes()))).toBe(true);
    expect(isBytesSchema(Type.String({ contentEncoding: 'base64' }))).toBe(false);
    expect(isBytesSchema(null)).toBe(false);
    expect(bytesLimits(json(Bytes({ minBytes: 2, maxBytes: 5 })))).toEqual({ minBytes: 2, maxBytes: 5 });
    expect(bytesLimits(json(Bytes()))).toEqual({});
  });

  it('refuses limits that are not whole numbers of bytes, or a minimum above the maximum', () => {
    for (const options of [{ maxBytes: -1 }, { maxBytes: 1.5 }, { minBytes: Number.NaN }, { minBytes: 5, maxBytes: 4 }]) {
      let caught: unknown;
      try {
        Bytes(options);
      } catch (err) {
        caught = err;
      }
      expect(isCellError(caught) && caught.code, JSON.stringify(options)).toBe('CELL_E_INVALID_ARGUMENT');
    }
    expect(json(Bytes({ minBytes: 0, maxBytes: 0 }))).toMatchObject({ 'x-cell-minBytes': 0, 'x-cell-maxBytes': 0, maxLength: 0 });
  });
});
