import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { methodEntry, validator } from '../test-support/fake-host.ts';
import { recordingLogger } from '../test-support/recording-logger.ts';
import { handlerError, invalidInput, invalidOutput, tooLargeForPeer } from './handler-outcome.ts';

const isObjectWithSku = (v: unknown) => typeof v === 'object' && v !== null && typeof (v as { sku?: unknown }).sku === 'string';
const entry = methodEntry('reserve', 'unary', () => undefined, {
  errors: { OutOfStock: validator(isObjectWithSku, [{ path: '/sku', message: 'must be string' }]), Frozen: validator((v) => v === undefined) },
});

describe('handlerError', () => {
  it('passes a declared error on, typed, with its details', () => {
    const log = recordingLogger();
    const e = handlerError(entry, new CellError<'OutOfStock'>('OutOfStock', 'none left', { details: { sku: 'mug' }, declared: true }), log);
    expect(e.code).toBe('OutOfStock');
    expect(e.declared).toBe(true);
    expect(e.details).toEqual({ sku: 'mug' });
    expect(e.message).toBe('none left');
    expect(log.lines).toEqual([]);
  });

  it('takes a declared error from any object shaped like one (another copy of the SDK)', () => {
    const e = handlerError(entry, { code: 'Frozen', message: 42 }, recordingLogger());
    expect(e).toMatchObject({ code: 'Frozen', declared: true, message: 'Frozen' });
  });

  it('turns a declared error whose details break its schema into CELL_E_INTERNAL, logging why', () => {
    const log = recordingLogger();
    const e = handlerError(entry, new CellError<'OutOfStock'>('OutOfStock', 'x', { details: { sku: 3 }, declared: true }), log);
    expect(e.code).toBe('CELL_E_INTERNAL');
    expect(e.declared).toBe(false);
    expect(e.details).toBeUndefined(); // the bad details are logged, never sent
    expect(log.lines).toMatchObject([{ level: 'error', fields: { errors: [{ path: '/sku' }] } }]);
  });

  it('turns an undeclared error into CELL_E_INTERNAL, logging the original with the call', () => {
    const log = recordingLogger();
    const thrown = new TypeError('undefined is not a function');
    const e = handlerError(entry, thrown, log.child({ method: 'reserve', callId: 3 }));
    expect(e.code).toBe('CELL_E_INTERNAL');
    expect(e.details).toBeUndefined();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'error', fields: { err: thrown, method: 'reserve', callId: 3 } });
    for (const odd of [null, undefined, 'a string', 42, { code: 7 }]) expect(handlerError(entry, odd, log).code).toBe('CELL_E_INTERNAL');
  });

  it("makes an SDK error from the handler's own nested call this cell's CELL_E_INTERNAL, naming the cause", () => {
    // Passing CELL_E_UNAVAILABLE on would make the caller fail over from this healthy replica.
    for (const code of ['CELL_E_UNAVAILABLE', 'CELL_E_TIMEOUT', 'CELL_E_SCHEMA_MISMATCH', 'CELL_E_INVALID_INPUT'] as const) {
      const e = handlerError(entry, new CellError(code, 'from a dependency'), recordingLogger());
      expect(e.code).toBe('CELL_E_INTERNAL');
      expect(e.details).toEqual({ cause: code });
    }
  });

  it('does not pass on a declared error of another method or cell', () => {
    const foreign = new CellError<'CardDeclined'>('CardDeclined', 'no', { details: { reason: 'x' }, declared: true });
    expect(handlerError(entry, foreign, recordingLogger())).toMatchObject({ code: 'CELL_E_INTERNAL', details: { cause: 'CardDeclined' } });
  });
});

describe('the other outcomes', () => {
  it('reports output that breaks the schema as CELL_E_INTERNAL with every failing path', () => {
    const log = recordingLogger();
    const issues = [{ path: '/left', message: 'must be integer' }, { path: '/tags/0', message: 'must be string' }];
    const e = invalidOutput(entry, validator(() => false, issues), { left: 1.5 }, log);
    expect(e.code).toBe('CELL_E_INTERNAL');
    expect(e.details).toEqual({ errors: issues });
    expect(log.lines).toMatchObject([{ level: 'error', fields: { errors: issues } }]);
  });

  it('reports bad input as CELL_E_INVALID_INPUT with every failing path', () => {
    const issues = [{ path: '/qty', message: 'must be >= 1' }, { path: '/sku', message: 'must be string' }];
    expect(invalidInput('reserve', issues)).toMatchObject({ code: 'CELL_E_INVALID_INPUT', details: { errors: issues } });
    expect(invalidInput('reserve', []).code).toBe('CELL_E_INVALID_INPUT');
  });

  it('reports a reply too large for the caller with both sizes', () => {
    expect(tooLargeForPeer(5000, 1024)).toMatchObject({ code: 'CELL_E_FRAME_TOO_LARGE', details: { bytes: 5000, maxFrameBytes: 1024 } });
  });
});
