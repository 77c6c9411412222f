import { stripVTControlCharacters } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { WatchReport, watchLogFields } from './watch-report.ts';

const plain = (lines: string[]) => lines.map((l) => stripVTControlCharacters(l));

describe('WatchReport', () => {
  const typeError = new CellError('CELL_E_TYPECHECK_FAILED', `api does not type-check (1 error):\n  src/main.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.`);

  it('shows the last change, and a refused cell with its errors until a later reload clears it', () => {
    const r = new WatchReport('/t');
    expect(plain(r.lines())).toEqual(['watching for changes · nothing changed yet']);
    r.take({ kind: 'changed', files: ['/t/cells/api/src/main.ts'], cells: ['api'] });
    expect(plain(r.lines())[0]).toBe('watching for changes · changed: cells/api/src/main.ts → rebuilding api…');
    r.take({ kind: 'refused', cell: 'api', error: typeError, durationMs: 812 });
    expect(plain(r.lines())).toEqual([
      'watching for changes · api not reloaded: the running version keeps serving',
      'api: not reloaded (old version serving)',
      '  api does not type-check (1 error):',
      "    src/main.ts(3,7): error TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
    r.take({ kind: 'reloaded', cell: 'store', consumers: ['api'], durationMs: 1500 });
    expect(plain(r.lines())).toEqual(['watching for changes · reloaded store, api in 1.5 s']);
  });

  it('never fills the screen with one error', () => {
    const r = new WatchReport('/t');
    r.take({ kind: 'refused', cell: 'api', error: new CellError('CELL_E_TYPECHECK_FAILED', Array.from({ length: 40 }, (_, i) => `line ${i}`).join('\n')), durationMs: 1 });
    const lines = plain(r.lines());
    expect(lines).toHaveLength(1 + 1 + 12 + 1);
    expect(lines.at(-1)).toBe('  … 28 more lines');
  });

  it('logs each event as one JSON line: refusals at error level with the code and the message', () => {
    expect(watchLogFields({ kind: 'refused', cell: 'api', error: typeError, durationMs: 5 })).toEqual({ level: 'error', fields: { cell: 'api', code: 'CELL_E_TYPECHECK_FAILED', err: typeError.message, durationMs: 5 }, msg: 'not reloaded: the running version keeps serving' });
    expect(watchLogFields({ kind: 'changed', files: ['/t/a.ts'], cells: ['a'] }).level).toBe('info');
  });
});
