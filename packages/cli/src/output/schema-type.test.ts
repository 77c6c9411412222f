import { describe, expect, it } from 'vitest';
import { Bytes, Type, type TSchema } from '@cell/sdk';
import { schemaType } from './schema-type.ts';

/** The schema as a genome holds it: plain JSON. */
const ts = (s: TSchema | Record<string, unknown>, options?: Parameters<typeof schemaType>[1]) => schemaType(JSON.parse(JSON.stringify(s)) as Record<string, unknown>, options);

describe('schemaType', () => {
  it('renders primitives, literals, unions, arrays, tuples and records', () => {
    expect(ts(Type.String())).toBe('string');
    expect(ts(Type.Integer())).toBe('number');
    expect(ts(Type.Boolean())).toBe('boolean');
    expect(ts(Type.Null())).toBe('null');
    expect(ts(Type.Literal('paid'))).toBe('"paid"');
    expect(ts(Type.Union([Type.Literal('a'), Type.Literal(2), Type.Null()]))).toBe('"a" | 2 | null');
    expect(ts(Type.Array(Type.String()))).toBe('string[]');
    expect(ts(Type.Array(Type.Union([Type.String(), Type.Number()])))).toBe('(string | number)[]');
    expect(ts(Type.Tuple([Type.String(), Type.Boolean()]))).toBe('[string, boolean]');
    expect(ts(Type.Record(Type.String(), Type.Integer()))).toBe('Record<string, number>');
    expect(ts({ enum: ['x', 'y'] })).toBe('"x" | "y"');
    expect(ts({ type: ['string', 'null'] })).toBe('string | null');
    expect(ts({})).toBe('unknown');
    expect(schemaType(undefined)).toBe('unknown');
    expect(ts(Type.Object({ name: Type.String(), image: Bytes({ maxBytes: 1024 }) }))).toBe('{ name: string; image: Uint8Array }');
  });

  it('renders a small object on one line, optional keys with ?, odd keys quoted', () => {
    expect(ts(Type.Object({ sku: Type.String(), qty: Type.Integer() }))).toBe('{ sku: string; qty: number }');
    expect(ts(Type.Object({ sku: Type.String(), note: Type.Optional(Type.String()), 'x-id': Type.Number() }))).toBe('{ sku: string; note?: string; "x-id": number }');
    expect(ts(Type.Object({}))).toBe('{}');
    expect(ts(Type.Object({ items: Type.Array(Type.Object({ sku: Type.String() })) }))).toBe('{ items: { sku: string }[] }');
  });

  it('lays out an object that does not fit the width one property per line, nested ones indented', () => {
    const order = Type.Object({
      customer: Type.Object({ email: Type.String(), name: Type.String() }),
      lines: Type.Array(Type.Object({ sku: Type.String(), qty: Type.Integer(), giftWrap: Type.Optional(Type.Boolean()) })),
    });
    expect(ts(order, { width: 40 })).toBe(
      ['{', '  customer: { email: string; name: string };', '  lines: {', '    sku: string;', '    qty: number;', '    giftWrap?: boolean;', '  }[];', '}'].join('\n'),
    );
    expect(ts(order, { width: 200 })).toBe('{ customer: { email: string; name: string }; lines: { sku: string; qty: number; giftWrap?: boolean }[] }');
  });

  it('indents a multi-line object under the indent it is given', () => {
    expect(ts(Type.Object({ a: Type.String(), b: Type.String() }), { width: 10, indent: '    ' })).toBe('{\n      a: string;\n      b: string;\n    }');
  });
});
