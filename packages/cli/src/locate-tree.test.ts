import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellDir } from './locate-tree.ts';

describe('cellDir', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'cell-locate-')));
  const cell = join(base, 'orders');
  mkdirSync(join(cell, 'src'), { recursive: true });
  writeFileSync(join(cell, 'cell.toml'), '[cell]\nname = "orders"\nversion = "1.0.0"\n');
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('is the directory itself when it holds a cell.toml', () => {
    expect(cellDir(cell)).toBe(cell);
  });

  it('is the directory of a cell.toml named directly', () => {
    expect(cellDir(join(cell, 'cell.toml'))).toBe(cell);
  });

  it('accepts a relative path', () => {
    const cwd = process.cwd();
    process.chdir(base);
    try {
      expect(cellDir('orders')).toBe(cell);
      expect(cellDir('./orders/cell.toml')).toBe(cell);
    } finally {
      process.chdir(cwd);
    }
  });

  it('is the current directory when no argument is given', () => {
    const cwd = process.cwd();
    process.chdir(cell);
    try {
      expect(cellDir(undefined)).toBe(cell);
    } finally {
      process.chdir(cwd);
    }
  });

  it.each([
    ['a sub-directory of a cell (it does not look upwards)', () => join(cell, 'src')],
    ['a path that does not exist', () => join(base, 'missing')],
    ['a cell.toml that does not exist', () => join(base, 'missing', 'cell.toml')],
  ])('refuses %s with CELL_E_CONFIG_NOT_FOUND', (_what, path) => {
    expect(() => cellDir(path())).toThrow(expect.objectContaining({ code: 'CELL_E_CONFIG_NOT_FOUND' }));
  });
});
