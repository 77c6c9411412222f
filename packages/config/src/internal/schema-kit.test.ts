import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { compiled, CPU, decode, duration, durationRange, durationUnit, nodeKeys, range, sizeUnit, table, wholeNumber } from './schema-kit.ts';

const KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';

describe('table', () => {
  it('refuses keys it does not list and words itself as a table', () => {
    const t = table({ a: Type.Optional(Type.String()) });
    expect(compiled(t).Check({ a: 'x' })).toBe(true);
    expect(compiled(t).Check({ b: 'x' })).toBe(false);
    expect((t as { expected?: string }).expected).toBe('a table');
  });
});

describe('unit keys', () => {
  it('check with the parser, decode to its value, default as written in cell.toml', () => {
    const t = table({ grace: duration({ default: '5s' }) });
    const value = compiled(t).Default({});
    expect(value).toEqual({ grace: '5s' });
    expect(decode(t, value)).toEqual({ grace: 5000 });
    expect(compiled(t).Check({ grace: '5 fortnights' })).toBe(false);
    expect(compiled(t).Check({ grace: 5000 })).toBe(false);
  });

  it('apply a minimum, naming it', () => {
    expect(durationUnit(100).parse('50ms')).toEqual({ ok: false, message: 'must be at least 100ms; got "50ms"' });
    expect(sizeUnit({ bytes: 10, rule: 'too small' }).parse('9B')).toEqual({ ok: false, message: 'too small; got "9B"' });
    expect(sizeUnit().parse('9B')).toEqual({ ok: true, value: 9 });
  });

  it('decode a duration range to its bounds', () => {
    expect(decode(durationRange(), '1s..2s')).toEqual({ minMs: 1000, maxMs: 2000 });
  });
});

describe('range', () => {
  const cpu = range(CPU, CPU, 'cores');
  it('takes a maximum or a { min, max } table', () => {
    expect(decode(cpu, 2)).toEqual({ min: undefined, max: 2 });
    expect(decode(cpu, '500m')).toEqual({ min: undefined, max: 0.5 });
    expect(decode(cpu, { min: 0.5 })).toEqual({ min: 0.5, max: undefined });
    expect(decode(cpu, { min: 0.5, max: '1000m' })).toEqual({ min: 0.5, max: 1 });
  });

  it('refuses a minimum above the maximum and keys other than min and max', () => {
    expect(compiled(cpu).Check({ min: 2, max: 1 })).toBe(false);
    expect(compiled(cpu).Check({ mn: 2 })).toBe(false);
  });
});

describe('wholeNumber', () => {
  it('bounds an integer and says so', () => {
    const n = wholeNumber(1, 3);
    expect([1, 3].map((v) => compiled(n).Check(v))).toEqual([true, true]);
    expect([0, 4, 1.5, '2'].map((v) => compiled(n).Check(v))).toEqual([false, false, false, false]);
    expect((n as { expected?: string }).expected).toBe('a whole number from 1 to 3');
  });
});

describe('nodeKeys', () => {
  it('takes peer ids, and "*" only where any node may be allowed', () => {
    expect(compiled(nodeKeys(true)).Check([KEY, '*'])).toBe(true);
    expect(compiled(nodeKeys(false)).Check(['*'])).toBe(false);
    expect(compiled(nodeKeys(true)).Check(['not-a-key'])).toBe(false);
    expect(compiled(nodeKeys(true)).Default(undefined)).toEqual([]);
  });
});

describe('compiled', () => {
  it('compiles a schema once', () => {
    const t = table({});
    expect(compiled(t)).toBe(compiled(t));
  });
});

describe('decode', () => {
  it('converts without touching its input, and refuses a value that fails the schema', () => {
    const t = table({ grace: duration() });
    const value = { grace: '2s' };
    expect(decode(t, value)).toEqual({ grace: 2000 });
    expect(value).toEqual({ grace: '2s' });
    expect(() => decode(t, { grace: 'soon' })).toThrow(expect.objectContaining({ code: 'CELL_E_INTERNAL' }));
  });
});
