import { describe, expect, expectTypeOf, it } from 'vitest';
import { silentLogger, type WireLogger } from './logger.ts';

describe('silentLogger', () => {
  it('drops every line at every level without throwing', () => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      expect(silentLogger[level]({ err: new Error('x'), cell: 'c' }, 'a fixed message')).toBeUndefined();
    }
  });

  it('gives itself as every child, so a component logger costs nothing', () => {
    const child = silentLogger.child({ component: 'wire.test' });
    expect(child).toBe(silentLogger);
    expect(child.child({ callId: 1 })).toBe(silentLogger);
  });

  it('is a WireLogger: object first, fixed message', () => {
    expectTypeOf(silentLogger).toEqualTypeOf<WireLogger>();
    expectTypeOf<WireLogger['info']>().parameters.toEqualTypeOf<[fields: object, msg: string]>();
  });
});
