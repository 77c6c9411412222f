import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { errorBody, statusOf } from './error-status.ts';

describe('HTTP statuses of call errors', () => {
  it('gives each stable code its status, a declared error 422, anything else 500', () => {
    expect(statusOf(new CellError('CELL_E_INVALID_INPUT', 'bad'))).toBe(400);
    expect(statusOf(new CellError('CELL_E_TIMEOUT', 'late'))).toBe(504);
    expect(statusOf(new CellError('CELL_E_UNAVAILABLE', 'down'))).toBe(503);
    expect(statusOf(new CellError('CELL_E_CAPACITY', 'full'))).toBe(500);
    const declared = new CellError<string>('OutOfStock', 'OutOfStock', { details: { available: 2 }, declared: true });
    expect(statusOf(declared)).toBe(422);
    expect(errorBody(declared)).toEqual({ code: 'OutOfStock', message: 'OutOfStock', details: { available: 2 }, declared: true });
    expect(errorBody(new CellError('CELL_E_TIMEOUT', 'late'))).toEqual({ code: 'CELL_E_TIMEOUT', message: 'late', details: null, declared: false });
  });
});
