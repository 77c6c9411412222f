import { describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { isCellError } from '@cell/protocol';
import { clientStream, defineContract, duplex, notify, serverStream, unary } from '@cell/contract';
import { buildEventTable, buildMethodTable } from './method-table.ts';

const contract = defineContract({
  name: 'stock',
  version: '1.0.0',
  methods: {
    reserve: unary({ input: Type.Object({ qty: Type.Integer({ minimum: 1 }) }), output: Type.Integer(), errors: { OutOfStock: Type.Object({ available: Type.Integer() }) } }),
    watch: serverStream({ input: Type.Null(), output: Type.String() }),
    load: clientStream({ input: Type.String(), output: Type.Integer() }),
    sync: duplex({ input: Type.String(), output: Type.String() }),
    ping: notify({ input: Type.Object({}) }),
  },
  events: { low: Type.Object({ sku: Type.String() }) },
});

const handlers = { reserve: () => 1, watch: () => [], load: () => 0, sync: () => [], ping: () => undefined };

describe('buildMethodTable', () => {
  it('makes one entry per method with its handler, shape and stream directions', () => {
    const table = buildMethodTable(contract, handlers);
    expect([...table.keys()]).toEqual(['reserve', 'watch', 'load', 'sync', 'ping']);
    const shape = Object.fromEntries([...table].map(([name, e]) => [name, [e.kind, e.streamsIn, e.streamsOut]]));
    expect(shape).toEqual({
      reserve: ['unary', false, false],
      watch: ['serverStream', false, true],
      load: ['clientStream', true, false],
      sync: ['duplex', true, true],
      ping: ['notify', false, false],
    });
    expect(table.get('reserve')!.handler).toBe(handlers.reserve);
    expect(table.get('ping')!.output).toBeUndefined();
  });

  it('compiles the input, output and declared error checks', () => {
    const reserve = buildMethodTable(contract, handlers).get('reserve')!;
    expect(reserve.input.check({ qty: 2 })).toBe(true);
    expect(reserve.input.check({ qty: 0 })).toBe(false);
    expect(reserve.input.issues({ qty: 0 }).map((i) => i.path)).toEqual(['/qty']);
    expect(reserve.output!.check(3)).toBe(true);
    expect(reserve.output!.check('3')).toBe(false);
    expect([...reserve.errors.keys()]).toEqual(['OutOfStock']);
    expect(reserve.errors.get('OutOfStock')!.check({ available: 1 })).toBe(true);
    expect(reserve.errors.get('OutOfStock')!.check({ available: 'no' })).toBe(false);
  });

  it('names every missing and extra handler at once', () => {
    const { reserve: _r, watch: _w, ...some } = handlers;
    try {
      buildMethodTable(contract, { ...some, reserv: () => 1, load: 'not a function' });
      expect.unreachable('the handlers were accepted');
    } catch (err) {
      expect(isCellError(err) && err.code).toBe('CELL_E_INVALID_ARGUMENT');
      expect((err as { details: unknown }).details).toEqual({ missing: ['reserve', 'watch', 'load'], extra: ['reserv'] });
    }
  });
});

describe('buildEventTable', () => {
  it("compiles a check of each event's payload", () => {
    const events = buildEventTable(contract);
    expect([...events.keys()]).toEqual(['low']);
    expect(events.get('low')!.check({ sku: 'mug' })).toBe(true);
    expect(events.get('low')!.issues({ sku: 1 }).map((i) => i.path)).toEqual(['/sku']);
  });
});
