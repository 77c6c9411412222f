import { describe, expect, it } from 'vitest';
import { interpolate } from './interpolate.ts';

const where = { cell: 'db', key: 'run[2]' };

describe('interpolate', () => {
  it('expands ${NAME}, falls back with ${NAME:-x}, keeps $$ as $ and other text as it is', () => {
    const vars = { PORT: '5432', EMPTY: '', CELL_DATA: '/srv/db/data' };
    expect(interpolate('${CELL_DATA}/pg:${PORT}', vars, where)).toBe('/srv/db/data/pg:5432');
    expect(interpolate('${MISSING:-7} ${EMPTY:-fb} ${PORT:-1}', vars, where)).toBe('7 fb 5432');
    expect(interpolate('cost $$5 $HOME ${ not a ref', vars, where)).toBe('cost $5 $HOME ${ not a ref');
    expect(interpolate('${PORT}', { PORT: '${PORT}' }, where)).toBe('${PORT}'); // one pass
  });

  it('refuses a variable that is not set, naming the cell, the key and the variable', () => {
    expect(() => interpolate('-D ${PGDATA}', {}, where)).toThrow(
      expect.objectContaining({ code: 'CELL_E_START_FAILED', message: 'cell db: run[2] names ${PGDATA}, which is not set (set it in [env], or write ${PGDATA:-default})' }),
    );
  });
});
