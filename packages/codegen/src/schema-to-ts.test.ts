import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { Bytes } from '@cell/contract';
import { schemaToTs } from './schema-to-ts.ts';

const ts = (s: unknown) => schemaToTs(JSON.parse(JSON.stringify(s)) as Record<string, unknown>);

describe('schemaToTs', () => {
  it('renders primitives, literals, unions, arrays, tuples and records', () => {
    expect(ts(Type.String())).toBe('string');
    expect(ts(Type.Integer())).toBe('number');
    expect(ts(Type.Null())).toBe('null');
    expect(ts(Type.Literal('a'))).toBe('"a"');
    expect(ts(Type.Union([Type.Literal('a'), Type.Literal(2), Type.Null()]))).toBe('"a" | 2 | null');
    expect(ts(Type.Array(Type.Union([Type.String(), Type.Number()])))).toBe('(string | number)[]');
    expect(ts(Type.Tuple([Type.String(), Type.Boolean()]))).toBe('[string, boolean]');
    expect(ts(Type.Record(Type.String(), Type.Integer()))).toBe('Record<string, number>');
    expect(ts({})).toBe('unknown');
  });

  it('renders objects with optional fields and the documentation of each field', () => {
    const out = ts(
      Type.Object({
        sku: Type.String({ description: 'Stock unit.' }),
        qty: Type.Optional(Type.Integer({ minimum: 1 })),
        'weird-key': Type.Boolean(),
      }),
    );
    expect(out).toBe('{\n  /** Stock unit. */\n  sku: string;\n  /** @minimum 1 */\n  qty?: number;\n  "weird-key": boolean;\n}');
  });

  it('renders bytes as Uint8Array, documented with their limits in bytes', () => {
    expect(ts(Bytes())).toBe('Uint8Array');
    expect(ts(Type.Array(Bytes()))).toBe('Uint8Array[]');
    expect(ts(Type.Union([Bytes(), Type.Null()]))).toBe('Uint8Array | null');
    expect(ts(Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 8 << 20, description: 'A photo.' }), thumb: Type.Optional(Bytes({ minBytes: 1 })) }))).toBe(
      '{\n  name: string;\n  /**\n   * A photo.\n   * @maxBytes 8388608\n   */\n  image: Uint8Array;\n  /** @minBytes 1 */\n  thumb?: Uint8Array;\n}',
    );
    // Base64 text without the bytes marker stays a string.
    expect(ts(Type.String({ contentEncoding: 'base64' }))).toBe('string');
  });
});
