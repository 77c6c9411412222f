import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cellHome } from './cell-home.ts';

describe('cellHome', () => {
  const saved = process.env['CELL_HOME'];
  afterEach(() => {
    if (saved === undefined) delete process.env['CELL_HOME'];
    else process.env['CELL_HOME'] = saved;
  });

  it('is CELL_HOME when set, else ~/.cell', () => {
    process.env['CELL_HOME'] = '/srv/cell-home';
    expect(cellHome()).toBe('/srv/cell-home');
    delete process.env['CELL_HOME'];
    expect(cellHome()).toBe(join(homedir(), '.cell'));
  });
});
