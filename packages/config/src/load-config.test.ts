import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigProblem } from './cell-config.ts';
import { loadCellTree } from './cell-tree.ts';
import { loadCellConfig } from './load-config.ts';

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Writes files (path -> content) under a fresh temp dir. */
function files(spec: Record<string, string>): string {
  root = mkdtempSync(join(tmpdir(), 'cell-config-'));
  for (const [path, content] of Object.entries(spec)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

function problemsOf(fn: () => unknown): { code: string; problems: ConfigProblem[] } {
  try {
    fn();
  } catch (err) {
    const e = err as { code: string; details: { problems: ConfigProblem[] } };
    return { code: e.code, problems: e.details.problems };
  }
  throw new Error('expected an error');
}

const CELL = (extra = '') => `[cell]\nname = "shop"\nversion = "1.0.0"\nentry = "src/main.ts"\n${extra}`;

describe('loadCellConfig', () => {
  it('normalises units and applies defaults', () => {
    const dir = files({
      'cell.toml': `${CELL()}
[resources]
cpu = { min = 0.25, max = 1 }
memory = { min = "64MB", max = "256MiB" }

[life_cycle]
idle_timeout = "10m"
restart = { max = 3, within = "30s", backoff = "50ms..2s" }
`,
      'src/main.ts': '',
    });
    const c = loadCellConfig(dir);
    expect(c.cell).toMatchObject({ name: 'shop', version: '1.0.0', entry: join(dir, 'src/main.ts'), replicas: 1 });
    expect(c.resources.memory).toEqual({ min: 64_000_000, max: 256 * 1024 * 1024 });
    expect(c.resources.cpu).toEqual({ min: 0.25, max: 1 });
    expect(c.lifeCycle).toMatchObject({ idleTimeoutMs: 600_000, restart: { max: 3, withinMs: 30_000, backoffMinMs: 50, backoffMaxMs: 2000 } });
    expect(Object.isFrozen(c.resources.memory)).toBe(true);
  });

  it('reports every problem at once, each with file, line and key', () => {
    const dir = files({
      'cell.toml': `[cell]
name = "Shop"
version = 1
entry = "src/missing.ts"
colour = "blue"

[resources]
memroy = "1GB"
cpu = { max = "lots" }

[life_cycle]
idle_timeout = "forever"
restart = { max = "five" }
`,
    });
    const { code, problems } = problemsOf(() => loadCellConfig(dir));
    expect(code).toBe('CELL_E_CONFIG_INVALID');
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
    expect(byKey['cell.name']?.line).toBe(2);
    expect(byKey['cell.version']?.line).toBe(3);
    expect(byKey['cell.entry']).toMatchObject({ line: 4, file: join(dir, 'cell.toml') });
    expect(byKey['cell.entry']?.message).toContain('does not exist');
    expect(byKey['cell.colour']?.message).toContain('unknown key');
    expect(byKey['resources.memroy']?.message).toContain('did you mean "memory"');
    expect(byKey['resources.memroy']?.line).toBe(8);
    expect(byKey['resources.cpu.max']?.line).toBe(9);
    expect(byKey['life_cycle.idle_timeout']?.message).toContain('not a duration');
    expect(byKey['life_cycle.restart.max']?.message).toContain('whole number');
    expect(problems).toHaveLength(8);
  });

  it('says what a size must look like for a bad unit', () => {
    const dir = files({ 'cell.toml': `${CELL()}\n[resources]\nmemory = "12 potatoes"\n`, 'src/main.ts': '' });
    const { problems } = problemsOf(() => loadCellConfig(dir));
    expect(problems).toEqual([
      expect.objectContaining({ key: 'resources.memory', line: 7, message: expect.stringContaining('"12 potatoes" is not a size') }),
    ]);
  });

  it('reports a TOML syntax error with its line', () => {
    const dir = files({ 'cell.toml': '[cell]\nname = "x"\nname = "y"\n' });
    const { problems } = problemsOf(() => loadCellConfig(dir));
    expect(problems[0]).toMatchObject({ line: 3, message: expect.stringContaining('invalid TOML') });
  });

  it('reports a missing cell.toml with its own code', () => {
    const dir = files({ 'README': '' });
    expect(problemsOf(() => loadCellConfig(dir)).code).toBe('CELL_E_CONFIG_NOT_FOUND');
  });

  it('rejects dependencies that do not exist, malformed node addresses, and forms not supported yet', () => {
    const dir = files({
      'cell.toml': `${CELL()}\n[deps]\npayments = "../payments"\nsearch = "axon://10.0.0.7"\nmailer = "git+https://example.org/acme/mailer.git#v2.1.0"\n`,
      'src/main.ts': '',
    });
    const { problems } = problemsOf(() => loadCellConfig(dir));
    const byKey = Object.fromEntries(problems.map((p) => [p.key, p]));
    expect(byKey['deps.payments']).toMatchObject({ line: 7, message: expect.stringContaining('does not exist') });
    expect(byKey['deps.search']?.message).toContain('expected a node address like "axon://10.0.0.7:7700"');
    expect(byKey['deps.mailer']?.message).toContain('not supported yet');
  });

  it('accepts dependencies on other nodes: by address (key pinned or not) and by name', () => {
    const key = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
    const dir = files({
      'cell.toml': `${CELL()}\n[deps]\nsearch = "axon://10.0.0.7:7700"\npinned = "axon://${key}@10.0.0.7:7700"\nmailer = { major = 2 }\n\n[network]\nlisten = "0.0.0.0:7800"\nbootstrap = ["/ip4/10.0.0.7/tcp/7701/p2p/${key}"]\ndiscovery = ["dht"]\n`,
      'src/main.ts': '',
    });
    const c = loadCellConfig(dir);
    expect(c.remoteDeps).toEqual({
      search: { name: 'search', axon: 'axon://10.0.0.7:7700', major: undefined },
      pinned: { name: 'pinned', axon: `axon://${key}@10.0.0.7:7700`, major: undefined },
      mailer: { name: 'mailer', axon: undefined, major: 2 },
    });
    expect(c.network).toMatchObject({ listen: { host: '0.0.0.0', port: 7800 }, p2p: { host: '0.0.0.0', port: 7801 }, discovery: ['dht'] });
  });
});

describe('loadCellTree', () => {
  const cell = (name: string, extra = '') => `[cell]\nname = "${name}"\nversion = "1.0.0"\nentry = "main.ts"\n${extra}`;

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
});
