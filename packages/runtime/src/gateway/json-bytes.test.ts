import { describe, expect, it } from 'vitest';
import { Type, type TSchema } from 'typebox';
import { Bytes, type JsonSchema } from '@cell/contract';
import { bytesFromJson, bytesToJson } from './json-bytes.ts';

const json = (s: TSchema) => JSON.parse(JSON.stringify(s)) as JsonSchema;
const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('bytesFromJson', () => {
  it('turns base64 text into a Buffer where the schema says bytes: top level, properties, items, tuples', () => {
    expect(bytesFromJson(json(Bytes()), b64('hi'))).toEqual({ value: Buffer.from('hi'), issues: [] });
    const schema = json(
      Type.Object({
        name: Type.String(),
        image: Bytes(),
        meta: Type.Object({ thumb: Bytes(), note: Type.String() }),
        parts: Type.Array(Bytes()),
        pair: Type.Tuple([Type.String(), Bytes()]),
      }),
    );
    const { value, issues } = bytesFromJson(schema, { name: b64('x'), image: b64('abc'), meta: { thumb: '', note: b64('y') }, parts: [b64('p1'), b64('p2')], pair: [b64('s'), b64('t')], extra: b64('e') });
    expect(issues).toEqual([]);
    expect(value).toEqual({
      name: b64('x'), // text stays text
      image: Buffer.from('abc'),
      meta: { thumb: Buffer.alloc(0), note: b64('y') },
      parts: [Buffer.from('p1'), Buffer.from('p2')],
      pair: [b64('s'), Buffer.from('t')],
      extra: b64('e'),
    });
    expect((value as { image: unknown }).image).toBeInstanceOf(Uint8Array);
  });

  it('takes base64 with or without padding, and names text that is not base64 by its path', () => {
    const schema = json(Type.Object({ a: Bytes(), b: Bytes(), c: Bytes() }));
    const { value, issues } = bytesFromJson(schema, { a: 'aGk=', b: 'aGk', c: 'not base64!' });
    expect(value).toMatchObject({ a: Buffer.from('hi'), b: Buffer.from('hi'), c: 'not base64!' });
    expect(issues).toEqual([{ path: '/c', message: 'must be base64 text (bytes)' }]);
    expect(bytesFromJson(json(Bytes()), 'a').issues).toEqual([{ path: '/', message: 'must be base64 text (bytes)' }]);
    expect(bytesFromJson(json(Bytes()), 'a-_b').issues).toHaveLength(1); // base64url is not base64
  });

  it('leaves what is not text where bytes belong, and bytes inside unions, for the validator', () => {
    expect(bytesFromJson(json(Bytes()), [1, 2])).toEqual({ value: [1, 2], issues: [] });
    expect(bytesFromJson(json(Type.Object({ u: Type.Union([Bytes(), Type.Null()]) })), { u: 'aGk=' }).value).toEqual({ u: 'aGk=' });
    expect(bytesFromJson(undefined, 'aGk=').value).toBe('aGk=');
  });
});

describe('bytesToJson', () => {
  it('turns every Uint8Array into base64 text, wherever it is, without changing the value', () => {
    const out = { image: Buffer.from('abc'), nested: { parts: [new Uint8Array([104, 105]), 'text', 3] }, view: Buffer.from('xxhixx').subarray(2, 4), none: null };
    expect(bytesToJson(out)).toEqual({ image: b64('abc'), nested: { parts: [b64('hi'), 'text', 3] }, view: b64('hi'), none: null });
    expect(out.image).toBeInstanceOf(Buffer);
    expect(bytesToJson(new Uint8Array(0))).toBe('');
  });

  it('returns what holds no bytes as it is', () => {
    const plain = { a: [1, { b: 'c' }], d: new Date(0) };
    expect(bytesToJson(plain)).toBe(plain);
    expect(bytesToJson('x')).toBe('x');
  });
});
