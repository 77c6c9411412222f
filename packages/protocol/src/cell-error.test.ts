import { describe, expect, expectTypeOf, it } from 'vitest';
import type { CellErrorCode } from './error-codes.ts';
import { CellError, fromWireError, isCellError, toCellError } from './cell-error.ts';

describe('CellError', () => {
  it('normalises anything thrown, keeping the cause', () => {
    const original = new TypeError('nope');
    const e = toCellError(original);
    expect(e.code).toBe('CELL_E_INTERNAL');
    expect(e.cause).toBe(original);
    expect(toCellError('text').code).toBe('CELL_E_INTERNAL');
    const keep = new CellError('CELL_E_TIMEOUT', 'late');
    expect(toCellError(keep)).toBe(keep);
  });

  it('is recognised by shape, not by class identity', () => {
    const foreign = Object.assign(new Error('x'), { name: 'CellError', code: 'CELL_E_TIMEOUT' });
    expect(isCellError(foreign)).toBe(true);
    expect(isCellError({ code: 'CELL_E_TIMEOUT' })).toBe(false);
  });

  it('round-trips through the wire form', () => {
    const e = new CellError<'OutOfStock'>('OutOfStock', 'none left', { details: { sku: 'a' }, declared: true });
    const back = fromWireError(JSON.parse(JSON.stringify(e.toJSON())));
    expect(back.code).toBe('OutOfStock');
    expect(back.declared).toBe(true);
    expect(back.details).toEqual({ sku: 'a' });
  });

  it('takes only codes of the table unless the code type is named (a typo does not compile)', () => {
    // @ts-expect-error CELL_E_TYPO is not a code of the table
    const typo = new CellError('CELL_E_TYPO', 'x');
    expect(typo.code).toBe('CELL_E_TYPO');
    expectTypeOf(new CellError('CELL_E_TIMEOUT', 'x').code).toEqualTypeOf<CellErrorCode>();
    expectTypeOf(new CellError<'Declared'>('Declared', 'x').code).toEqualTypeOf<'Declared'>();
  });

  it('turns malformed or unknown wire errors into CELL_E_PROTOCOL', () => {
    expect(fromWireError(null).code).toBe('CELL_E_PROTOCOL');
    expect(fromWireError({ message: 'x' }).code).toBe('CELL_E_PROTOCOL');
    expect(fromWireError({ code: 'CELL_E_MADE_UP', message: 'x' }).code).toBe('CELL_E_PROTOCOL');
    expect(fromWireError({ code: 'Undeclared', message: 'x' }).code).toBe('CELL_E_PROTOCOL');
    expect(fromWireError({ code: 'CELL_E_TIMEOUT', message: 'x', declared: true }).declared).toBe(false);
  });
});
