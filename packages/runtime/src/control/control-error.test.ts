import { describe, expect, it } from 'vitest';
import { CellError, isCellErrorCode } from '@cell/protocol';
import { fromControlError } from './control-error.ts';

const declared = (code: string, details: unknown) => new CellError<string>(code, code, { declared: true, details });

describe('fromControlError', () => {
  it('never lets a name of the nucleus contract through: every result has a stable CELL_E_ code', () => {
    const cases = [
      declared('NoSuchCell', { cell: '/t/cells/x' }),
      declared('ReloadFailed', { reason: 'build of x failed', code: 'CELL_E_BUILD_FAILED' }),
      declared('ReloadFailed', { reason: 'new build did not become ready', code: null }),
      declared('ReloadFailed', { reason: 'ENOENT: no such file', code: 'ENOENT' }),
      declared('RestartFailed', { reason: 'no build', code: 'CELL_E_UNAVAILABLE' }),
      declared('StartFailed', { reason: 'crashed' }),
      declared('SomethingNew', undefined),
    ];
    for (const c of cases) expect(isCellErrorCode(fromControlError(c, '/t').code), c.code).toBe(true);
  });

  it('a cell the tree does not have is CELL_E_CONFIG_NOT_FOUND naming the tree', () => {
    const e = fromControlError(declared('NoSuchCell', { cell: '/t/cells/x' }), '/t');
    expect(e).toMatchObject({ code: 'CELL_E_CONFIG_NOT_FOUND', details: { cell: '/t/cells/x', root: '/t' } });
    expect(e.message).toContain('/t/cells/x');
  });

  it('a failed operation carries its cause\'s code and reason; a cause without a stable code is CELL_E_INTERNAL', () => {
    expect(fromControlError(declared('ReloadFailed', { reason: 'refused', code: 'CELL_E_SCHEMA_MISMATCH' }), '/t')).toMatchObject({ code: 'CELL_E_SCHEMA_MISMATCH', message: 'refused', details: { refusedAs: 'ReloadFailed' } });
    expect(fromControlError(declared('ReloadFailed', { reason: 'ENOENT: x', code: 'ENOENT' }), '/t')).toMatchObject({ code: 'CELL_E_INTERNAL', message: 'ENOENT: x' });
    expect(fromControlError(declared('ReloadFailed', { reason: 'not ready', code: null }), '/t').code).toBe('CELL_E_INTERNAL');
  });

  it('passes a stable error through unchanged', () => {
    const e = new CellError('CELL_E_TIMEOUT', 'slow');
    expect(fromControlError(e, '/t')).toBe(e);
  });
});
