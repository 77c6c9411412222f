import { describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from 'typebox';
import { isCellError } from '@cell/protocol';
import { clientStream, defineContract, duplex, type MethodDef, notify, serverStream, unary } from './contract.ts';

const io = { input: Type.Object({ sku: Type.String() }), output: Type.Integer() };

/** The problems a refused contract names, from the error's details. */
function problems(define: () => unknown): string[] {
  try {
    define();
  } catch (err) {
    if (!isCellError(err) || err.code !== 'CELL_E_INVALID_ARGUMENT') throw err;
    return (err.details as { problems: string[] }).problems;
  }
  throw new Error('the contract was accepted');
}

describe('method builders', () => {
  it('make frozen methods of each kind, with no declared errors unless given', () => {
    const built = { u: unary(io), s: serverStream(io), c: clientStream(io), d: duplex(io), n: notify({ input: io.input, description: 'fire and forget' }) };
    expect(Object.fromEntries(Object.entries(built).map(([k, m]) => [k, m.kind]))).toEqual({ u: 'unary', s: 'serverStream', c: 'clientStream', d: 'duplex', n: 'notify' });
    for (const m of Object.values(built)) {
      expect(Object.isFrozen(m)).toBe(true);
      expect(Object.isFrozen(m.errors)).toBe(true);
      expect(m.errors).toEqual({});
      expect(m.input).toBe(io.input);
    }
    expect(built.n.description).toBe('fire and forget');
    expect(built.n.output).toEqual({});
  });

  it('copy the declared errors, so changing the spec later changes nothing', () => {
    const errors: Record<string, ReturnType<typeof Type.Object>> = { OutOfStock: Type.Object({ available: Type.Integer() }) };
    const m = unary({ ...io, errors });
    errors['Late'] = Type.Object({});
    expect(Object.keys(m.errors)).toEqual(['OutOfStock']);
  });

  it('keep the types of input, output and errors, and an empty error map when none are declared', () => {
    const m = unary({ ...io, errors: { OutOfStock: Type.Object({ available: Type.Integer() }) } });
    expectTypeOf(m).toExtend<MethodDef<'unary'>>();
    expectTypeOf(m.input).toEqualTypeOf(io.input);
    expectTypeOf<keyof typeof m.errors>().toEqualTypeOf<'OutOfStock'>();
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    expectTypeOf(unary(io).errors).toEqualTypeOf<{}>();
    expectTypeOf(notify({ input: io.input }).kind).toEqualTypeOf<'notify'>();
  });
});

describe('defineContract', () => {
  it('returns a frozen contract with its methods and events', () => {
    const c = defineContract({ name: 'stock-2', version: '1.2.0-beta.1+build.5', description: 'Stock.', methods: { reserve: unary(io) }, events: { low: Type.Object({ sku: Type.String() }) } });
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.methods)).toBe(true);
    expect(Object.isFrozen(c.events)).toBe(true);
    expect(Object.keys(c.methods)).toEqual(['reserve']);
    expect(Object.keys(c.events)).toEqual(['low']);
    expect(c.description).toBe('Stock.');
    expect(defineContract({ name: 'x', version: '0.0.1', methods: {} }).events).toEqual({});
  });

  it('takes kebab-case names of 1 to 63 characters and semver versions', () => {
    for (const name of ['a', 'stock', 'a1-b2', `a${'b'.repeat(62)}`]) expect(defineContract({ name, version: '1.0.0', methods: {} }).name).toBe(name);
    for (const name of ['', 'Stock', '1stock', 'stock_x', 'stock.x', '-x', `a${'b'.repeat(63)}`]) {
      expect(problems(() => defineContract({ name, version: '1.0.0', methods: {} })), name).toHaveLength(1);
    }
    for (const version of ['1', '1.0', 'v1.0.0', '01.0.0', '1.0.0.0', '']) {
      expect(problems(() => defineContract({ name: 'x', version, methods: {} })), version).toHaveLength(1);
    }
  });

  it('takes identifiers as method, event and error names, and no error named like an SDK code', () => {
    const ok = defineContract({ name: 'x', version: '1.0.0', methods: { get_2: unary({ ...io, errors: { NotFound: Type.Null() } }) }, events: { Changed: Type.Null() } });
    expect(Object.keys(ok.methods)).toEqual(['get_2']);
    expect(problems(() => defineContract({ name: 'x', version: '1.0.0', methods: { 'get-item': unary(io) } }))).toHaveLength(1);
    expect(problems(() => defineContract({ name: 'x', version: '1.0.0', methods: { m: unary({ ...io, errors: { CELL_E_MINE: Type.Null() } }) } }))).toHaveLength(1);
    expect(problems(() => defineContract({ name: 'x', version: '1.0.0', methods: { m: unary({ ...io, errors: { 'not ok': Type.Null() } }) } }))).toHaveLength(1);
    expect(problems(() => defineContract({ name: 'x', version: '1.0.0', methods: {}, events: { '9lives': Type.Null() } }))).toHaveLength(1);
  });

  it('refuses a notify method that declares errors', () => {
    const n = { ...notify({ input: io.input }), errors: { Nope: Type.Null() } };
    expect(problems(() => defineContract({ name: 'x', version: '1.0.0', methods: { n } }))).toHaveLength(1);
  });

  it('names every problem at once', () => {
    const found = problems(() =>
      defineContract({
        name: 'Bad Name',
        version: 'one',
        methods: { 'bad-method': unary(io), m: unary({ ...io, errors: { CELL_E_X: Type.Null(), 'a b': Type.Null() } }), n: { ...notify({ input: io.input }), errors: { E: Type.Null() } } },
        events: { 'bad event': Type.Null() },
      }),
    );
    expect(found).toHaveLength(7);
    for (const subject of ['Bad Name', 'one', 'bad-method', 'CELL_E_X', 'a b', 'bad event']) expect(found.some((p) => p.includes(JSON.stringify(subject))), subject).toBe(true);
  });
});
