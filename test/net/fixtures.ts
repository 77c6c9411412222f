import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CLI, killTree } from '../e2e/helpers.ts';
import type { TestHost, TestNetwork } from './netns.ts';

/** A node of the test LAN: its tree directory, its identity home, its key. */
export interface TestNode {
  host: TestHost;
  root: string;
  home: string;
  key: string;
}

export const STOCK_CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
export const stockContract = defineContract({
  name: 'stock',
  version: '1.0.0',
  methods: {
    reserve: unary({
      description: 'Takes units out of stock.',
      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ left: Type.Integer(), host: Type.String() }),
      errors: { OutOfStock: Type.Object({ available: Type.Integer() }) },
    }),
  },
});
`;

const STOCK_MAIN = `import { serve } from '@cell/sdk';
import { stockContract } from './contract.ts';
const slowMs = Number(process.env.SLOW_MS ?? 0);
let left = 1_000_000_000;
await serve(stockContract, {
  reserve: async ({ qty }, ctx) => {
    if (slowMs > 0) await new Promise((r) => setTimeout(r, slowMs));
    if (qty > left) throw ctx.fail('OutOfStock', { available: left });
    left -= qty;
    return { left, host: process.env.TEST_HOST ?? '?' };
  },
});
`;

const SHOP_MAIN = `import { defineContract, serve, Type, unary } from '@cell/sdk';
import { connectStock } from '../.cell/bindings/stock.ts';
const shopContract = defineContract({
  name: 'shop',
  version: '1.0.0',
  methods: {
    buy: unary({
      input: Type.Object({ sku: Type.String(), qty: Type.Integer() }),
      output: Type.Object({ host: Type.String(), left: Type.Integer() }),
      errors: { SoldOut: Type.Object({ available: Type.Integer() }), Unreachable: Type.Object({ code: Type.String(), message: Type.String() }) },
    }),
  },
});
const stock = connectStock();
await serve(shopContract, {
  buy: async (input, ctx) => {
    const r = await stock.reserve.try(input, ctx);
    if (r.ok) return r.value;
    switch (r.error.code) {
      case 'OutOfStock':
        throw ctx.fail('SoldOut', { available: r.error.details.available });
      default:
        throw ctx.fail('Unreachable', { code: r.error.code, message: r.error.message });
    }
  },
});
`;

function write(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A node on `host` with a fresh identity (its tree is written later, once keys are known). */
export function makeNode(host: TestHost, base: string, suffix = ''): TestNode {
  const root = join(base, `${host.name}${suffix}`);
  const home = join(base, `${host.name}${suffix}-home`);
  const r = spawnSync(process.execPath, [CLI, 'id', '--json'], { env: { ...process.env, CELL_HOME: home }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cell id failed: ${r.stderr}`);
  return { host, root, home, key: (JSON.parse(r.stdout) as { node: string }).node };
}

export interface NetworkOptions {
  discovery: string[];
  bootstrap?: string[];
  /** Directory port (the control plane uses the next one). Default 7700. */
  port?: number;
  /** Node-wide allowed keys ([network] allowed_keys). */
  nodeKeys?: string[];
  /** Nodes trusted to serve what this node finds by name ([network] trusted_keys). */
  trustedKeys?: string[];
}

function list(items: string[]): string {
  return `[${items.map((i) => JSON.stringify(i)).join(', ')}]`;
}

function networkToml(options: NetworkOptions): string {
  const port = options.port ?? 7700;
  const lines = [
    '[network]',
    `listen = "0.0.0.0:${port}"`,
    `p2p = "0.0.0.0:${port + 1}"`,
    `discovery = ${list(options.discovery)}`,
    'announce_every = "1s"',
    ...(options.bootstrap?.length ? [`bootstrap = ${list(options.bootstrap)}`] : []),
    ...(options.nodeKeys?.length ? [`allowed_keys = ${list(options.nodeKeys)}`] : []),
    ...(options.trustedKeys?.length ? [`trusted_keys = ${list(options.trustedKeys)}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** A node with no cells: a bootstrap peer for the wide-area scenario. */
export function writeBootstrap(node: TestNode, options: NetworkOptions): void {
  write(node.root, { 'cell.toml': `[cell]\nname = "${node.host.name}"\nversion = "1.0.0"\n\n${networkToml(options)}` });
}

/** A node serving `stock` to the listed keys (per cell, in [auth]; node-wide ones go in options). */
export function writeProvider(node: TestNode, allowed: string[], options: NetworkOptions): void {
  write(node.root, {
    'cell.toml': `[cell]\nname = "${node.host.name}"\nversion = "1.0.0"\n\n${networkToml(options)}`,
    'cells/stock/cell.toml': `[cell]\nname = "stock"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[auth]\nallowed_keys = ${list(allowed)}\n`,
    'cells/stock/src/contract.ts': STOCK_CONTRACT,
    'cells/stock/src/main.ts': STOCK_MAIN,
  });
}

/** A node whose `shop` depends on `stock` by name only (found on the network). */
export function writeConsumer(node: TestNode, options: NetworkOptions): void {
  write(node.root, {
    'cell.toml': `[cell]\nname = "${node.host.name}"\nversion = "1.0.0"\n\n${networkToml(options)}`,
    'cells/shop/cell.toml': '[cell]\nname = "shop"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[deps]\nstock = { major = 1 }\n',
    'cells/shop/src/main.ts': SHOP_MAIN,
  });
}

/** Runs `cell <args>` on a host (inside its namespace) with the node's identity. */
export function cellOn(net: TestNetwork, node: TestNode, args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const [cmd, ...rest] = [...net.exec(node.host), process.execPath, CLI, ...args];
  const r = spawnSync(cmd!, rest, {
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, NO_COLOR: '1', CELL_HOME: node.home, TEST_HOST: node.host.name, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temp base directory for the nodes' trees; `remove` kills what runs in them and deletes it. */
export function nodesDir(): { base: string; remove(nodes: TestNode[]): void } {
  const base = mkdtempSync(join(tmpdir(), 'cell-net-'));
  return {
    base,
    remove(nodes) {
      for (const n of nodes) killTree(n.root);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
