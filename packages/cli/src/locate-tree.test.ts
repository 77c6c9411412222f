import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cellDir, locateCell, treeRootAround } from './locate-tree.ts';

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

describe('locateCell', () => {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'cell-locate-')));
  const write = (path: string, name: string) => {
    mkdirSync(join(base, path), { recursive: true });
    writeFileSync(join(base, path, 'cell.toml'), `[cell]\nname = "${name}"\nversion = "1.0.0"\n`);
  };
  write('shop', 'shop');
  write('shop/cells/orders', 'orders');
  write('shop/cells/payments', 'payments');
  mkdirSync(join(base, 'shop/cells/orders/src'), { recursive: true });
  mkdirSync(join(base, 'elsewhere'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('takes a directory (or its cell.toml) first, relative to cwd', () => {
    expect(locateCell('cells/orders', join(base, 'shop'))).toBe(join(base, 'shop/cells/orders'));
    expect(locateCell(join(base, 'shop/cells/payments/cell.toml'), base)).toBe(join(base, 'shop/cells/payments'));
    expect(locateCell(undefined, join(base, 'shop'))).toBe(join(base, 'shop'));
  });

  it('else finds a cell by name in the tree around cwd, from any directory of the tree', () => {
    for (const cwd of ['shop', 'shop/cells/orders', 'shop/cells/orders/src']) {
      expect(locateCell('payments', join(base, cwd))).toBe(join(base, 'shop/cells/payments'));
      expect(locateCell('shop', join(base, cwd))).toBe(join(base, 'shop'));
    }
    expect(treeRootAround(join(base, 'shop/cells/orders/src'))).toBe(join(base, 'shop'));
    expect(treeRootAround(join(base, 'elsewhere'))).toBeUndefined();
  });

  it('refuses a name that is no cell of the tree with CELL_E_CONFIG_NOT_FOUND, suggesting the closest', () => {
    expect(() => locateCell('paymnets', join(base, 'shop'))).toThrow(expect.objectContaining({ code: 'CELL_E_CONFIG_NOT_FOUND', details: expect.objectContaining({ suggestion: 'payments' }) }));
    expect(() => locateCell('mailer', join(base, 'shop'))).toThrow(expect.objectContaining({ code: 'CELL_E_CONFIG_NOT_FOUND', details: { cell: 'mailer', root: join(base, 'shop') } }));
    expect(() => locateCell('orders', join(base, 'elsewhere'))).toThrow(expect.objectContaining({ code: 'CELL_E_CONFIG_NOT_FOUND' }));
  });
});
