import { afterEach, describe, expect, it } from 'vitest';
import { findNode, loadCellTree } from './cell-tree.ts';
import { problemsOf, tempFiles } from './test-fixtures/temp-files.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const cell = (name: string, extra = '') => `[cell]\nname = "${name}"\nversion = "1.0.0"\nentry = "main.ts"\n${extra}`;

describe('loadCellTree', () => {
  it('finds sub-cells in cells/ without [cells] entries, resolves replicas and orders deps first', () => {
    const dir = files({
      'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n[cells]\ninventory = { path = "cells/inventory", replicas = 3 }\n`,
      'cells/gateway/cell.toml': cell('gateway', '[deps]\norders = "../orders"\n'),
      'cells/gateway/main.ts': '',
      'cells/orders/cell.toml': cell('orders', '[deps]\ninventory = { path = "../inventory" }\n'),
      'cells/orders/main.ts': '',
      'cells/inventory/cell.toml': cell('inventory'),
      'cells/inventory/main.ts': '',
    });
    const tree = loadCellTree(dir);
    expect(tree.root.children.map((c) => c.name).sort()).toEqual(['gateway', 'inventory', 'orders']);
    expect(tree.nodes.find((n) => n.name === 'inventory')?.replicas).toBe(3);
    const order = tree.startOrder.map((n) => n.name);
    expect(order.indexOf('inventory')).toBeLessThan(order.indexOf('orders'));
    expect(order.indexOf('orders')).toBeLessThan(order.indexOf('gateway'));
    expect(order.at(-1)).toBe('root');
    expect(findNode(tree, 'orders').dir).toBe(`${dir}/cells/orders`);
  });

  it('names a dependency cycle with the file and line of the closing edge', () => {
    const dir = files({
      'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n`,
      'cells/a/cell.toml': cell('a', '[deps]\nb = "../b"\n'),
      'cells/a/main.ts': '',
      'cells/b/cell.toml': cell('b', '[deps]\na = "../a"\n'),
      'cells/b/main.ts': '',
    });
    const { code, problems } = problemsOf(() => loadCellTree(dir));
    expect(code).toBe('CELL_E_CONFIG_INVALID');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(/dependency cycle: (a -> b -> a|b -> a -> b)/);
    expect(problems[0]!.line).toBe(6);
  });

  it('refuses two cells with one name, at the line of the second name', () => {
    const dir = files({
      'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n`,
      'cells/a/cell.toml': cell('same'),
      'cells/a/main.ts': '',
      'cells/b/cell.toml': `# b\n${cell('same')}`,
      'cells/b/main.ts': '',
    });
    const { problems } = problemsOf(() => loadCellTree(dir));
    expect(problems).toEqual([expect.objectContaining({ key: 'cell.name', line: 3, message: expect.stringContaining('also named "same"') })]);
  });

  it('collects problems from every file of the tree', () => {
    const dir = files({
      'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n`,
      'cells/a/cell.toml': cell('a', 'replicas = 0\n'),
      'cells/a/main.ts': '',
      'cells/b/cell.toml': cell('b', '[resources]\nmemory = "lots"\n'),
      'cells/b/main.ts': '',
    });
    const { problems } = problemsOf(() => loadCellTree(dir));
    expect(problems.map((p) => p.key).sort()).toEqual(['cell.replicas', 'resources.memory']);
  });

  it('reports the problems of a cell once, though it is both a sub-cell and a dependency', () => {
    const dir = files({
      'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n`,
      'cells/w/cell.toml': cell('w', '[resources]\nmemory = { max = 256 }\n'),
      'cells/w/main.ts': '',
      'cells/c/cell.toml': cell('c', '[deps]\nw = "../w"\n'),
      'cells/c/main.ts': '',
      'cells/d/cell.toml': cell('d', '[deps]\nw = "../w"\n'),
      'cells/d/main.ts': '',
    });
    const { code, problems } = problemsOf(() => loadCellTree(dir));
    expect(code).toBe('CELL_E_CONFIG_INVALID');
    expect(problems).toEqual([expect.objectContaining({ file: `${dir}/cells/w/cell.toml`, line: 6, key: 'resources.memory.max' })]);
  });

  it('takes [gateway] in the root only, naming cells of the tree with methods', () => {
    const root = `[cell]\nname = "root"\nversion = "1.0.0"\n[gateway]\nlisten = "127.0.0.1:0"\ncells = ["orders", "nope", "db"]\n`;
    const dir = files({
      'cell.toml': root,
      'cells/orders/cell.toml': cell('orders', '[gateway]\ncells = ["orders"]\n'),
      'cells/orders/main.ts': '',
      'cells/db/cell.toml': '[cell]\nname = "db"\nversion = "1.0.0"\nrun = ["./db"]\n',
    });
    expect(problemsOf(() => loadCellTree(dir)).problems.map((p) => [p.key, p.message])).toEqual([
      ['gateway', "[gateway] belongs in the tree's root cell.toml"],
      ['gateway.cells[1]', '"nope" is not a cell of this tree'],
      ['gateway.cells[2]', '"db" has no methods to expose (a group, or a process cell)'],
    ]);
    const ok = files({ 'cell.toml': root.replace(', "nope", "db"', ''), 'cells/orders/cell.toml': cell('orders'), 'cells/orders/main.ts': '' });
    expect(loadCellTree(ok).root.config.gateway).toEqual({ listen: { host: '127.0.0.1', port: 0 }, cells: ['orders'], maxBodyBytes: 1024 * 1024 });
  });

  it('takes [observe] in the root only', () => {
    const dir = files({
      'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n[observe]\nmetrics = "127.0.0.1:0"\n`,
      'cells/orders/cell.toml': cell('orders', '[observe]\nmetrics = "off"\n'),
      'cells/orders/main.ts': '',
    });
    expect(problemsOf(() => loadCellTree(dir)).problems.map((p) => [p.key, p.message])).toEqual([['observe', "[observe] belongs in the tree's root cell.toml"]]);
  });

  it('says which cell a lookup did not find', () => {
    const dir = files({ 'cell.toml': `[cell]\nname = "root"\nversion = "1.0.0"\n` });
    const tree = loadCellTree(dir);
    expect(() => findNode(tree, 'nope')).toThrow(expect.objectContaining({ code: 'CELL_E_CONFIG_NOT_FOUND' }));
  });
});
