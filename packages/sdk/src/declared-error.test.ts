import { describe, expect, expectTypeOf, it } from 'vitest';
import { CellError } from '@cell/protocol';
import type { DeclaredError } from './declared-error.ts';

describe('DeclaredError', () => {
  it("is a CellError whose code is the error's name and whose details are typed", () => {
    type OutOfStock = DeclaredError<'OutOfStock', { available: number }>;
    expectTypeOf<OutOfStock>().toExtend<CellError<'OutOfStock', { available: number }>>();
    expectTypeOf<OutOfStock['code']>().toEqualTypeOf<'OutOfStock'>();
    expectTypeOf<OutOfStock['details']>().toEqualTypeOf<{ available: number }>();
    expectTypeOf<OutOfStock['declared']>().toEqualTypeOf<true>();
  });

  it('tells declared errors apart from SDK errors by `declared`', () => {
    const e = new CellError<'OutOfStock', { available: number }>('OutOfStock', 'none', { details: { available: 0 }, declared: true }) as DeclaredError<'OutOfStock', { available: number }>;
    expect(e.declared).toBe(true);
    expect(e.details.available).toBe(0);
    // @ts-expect-error a plain CellError is not known to be declared
    const notDeclared: DeclaredError<'OutOfStock', { available: number }> = new CellError<'OutOfStock', { available: number }>('OutOfStock', 'x');
    expect(notDeclared.declared).toBe(false);
  });
});
