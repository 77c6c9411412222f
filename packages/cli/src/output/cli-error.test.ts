import { Writable } from 'node:stream';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CellError, ERROR_CODES, isCellErrorCode, type CellErrorCode } from '@cell/protocol';
import { color, ExitCode, printableError, reportError } from './cli-error.ts';

let stderr = '';
beforeEach(() => {
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** A writable stream that says it is a colour terminal (or not). */
function stream(isTerminal: boolean): NodeJS.WriteStream {
  const w = new Writable({ write: (_chunk, _enc, done) => done() }) as unknown as NodeJS.WriteStream & { isTTY: boolean };
  if (isTerminal) {
    w.isTTY = true;
    w.hasColors = () => true;
    w.getColorDepth = () => 8;
  }
  return w;
}

describe('ExitCode', () => {
  it('is the documented table: 0 done, 1 failed, 2 bad usage or config, 3 not running', () => {
    expect(ExitCode).toEqual({ OK: 0, FAILED: 1, USAGE: 2, NOT_RUNNING: 3 });
  });
});

describe('reportError', () => {
  const expected = (code: CellErrorCode): number => {
    if (code === 'CELL_E_TREE_NOT_RUNNING') return ExitCode.NOT_RUNNING;
    if (['CELL_E_CONFIG_INVALID', 'CELL_E_CONFIG_NOT_FOUND', 'CELL_E_INVALID_ARGUMENT', 'CELL_E_BUILD_FAILED', 'CELL_E_TYPECHECK_FAILED'].includes(code)) return ExitCode.USAGE;
    return ExitCode.FAILED;
  };

  it.each(Object.keys(ERROR_CODES) as CellErrorCode[])('exits with the code %s deserves, never 0', (code) => {
    const exit = reportError(new CellError(code, 'something'), false);
    expect(exit).toBe(expected(code));
    expect(exit).not.toBe(ExitCode.OK);
  });

  it('exits 1 for a declared error of a cell, and for anything that is not a CellError', () => {
    expect(reportError(new CellError<string>('OutOfStock', 'none left', { declared: true, details: { available: 0 } }), false)).toBe(ExitCode.FAILED);
    expect(reportError(new Error('boom'), false)).toBe(ExitCode.FAILED);
    expect(reportError('a thrown string', false)).toBe(ExitCode.FAILED);
  });

  it('prints one line for people naming the code', () => {
    reportError(new CellError('CELL_E_TREE_NOT_RUNNING', 'nothing runs here'), false);
    const lines = stripVTControlCharacters(stderr).trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error CELL_E_TREE_NOT_RUNNING: /);
  });

  it('never prints a code that is not a documented CELL_E_ code, except a called cell\'s declared error', () => {
    const strangers = [
      new CellError<string>('ReloadFailed', 'ReloadFailed', { declared: true, details: { reason: 'x', code: null } }),
      new CellError<string>('NoSuchCell', 'NoSuchCell', { declared: true }),
      Object.assign(new Error('no such file'), { code: 'ENOENT' }),
      new CellError<string>('ENOENT', 'no such file'),
    ];
    for (const e of strangers) {
      const printed = printableError(e);
      expect(isCellErrorCode(printed.code), printed.code).toBe(true);
      reportError(e, false);
    }
    expect(stripVTControlCharacters(stderr).trimEnd().split('\n').every((l) => /^error CELL_E_[A-Z_]+: /.test(l))).toBe(true);
    expect(printableError(strangers[0]).message).toContain('ReloadFailed');
    const declared = new CellError<string>('OutOfStock', 'none left', { declared: true, details: { available: 0 } });
    expect(printableError(declared, { declared: true })).toBe(declared);
    expect(printableError(declared).code).toBe('CELL_E_INTERNAL');
  });

  it('prints the wire form as one JSON line with --json: code, message, details, declared', () => {
    reportError(new CellError('CELL_E_TREE_RUNNING', 'already running', { details: { pid: 42, root: '/t' } }), true);
    reportError(new CellError<string>('OutOfStock', 'none left', { declared: true, details: { available: 0 } }), true, { declared: true });
    reportError(new Error('boom'), true);
    const lines = stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toEqual({ code: 'CELL_E_TREE_RUNNING', message: 'already running', details: { pid: 42, root: '/t' } });
    expect(lines[1]).toEqual({ code: 'OutOfStock', message: 'none left', details: { available: 0 }, declared: true });
    expect(lines[2]).toMatchObject({ code: 'CELL_E_INTERNAL' });
    expect(lines[2]).not.toHaveProperty('declared');
  });
});

describe('color', () => {
  it('styles text for a colour terminal', () => {
    expect(color('red', 'failed', stream(true))).toBe('\x1b[31mfailed\x1b[39m');
    expect(stripVTControlCharacters(color('bold', 'name', stream(true)))).toBe('name');
  });

  it('leaves text plain for anything that is not a terminal', () => {
    const saved = process.env['FORCE_COLOR'];
    delete process.env['FORCE_COLOR'];
    try {
      expect(color('red', 'failed', stream(false))).toBe('failed');
    } finally {
      if (saved !== undefined) process.env['FORCE_COLOR'] = saved;
    }
  });
});
