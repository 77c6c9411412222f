import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import { cell, cellOf, copyOfRepoDir, freePort, status, type TempTree, waitStatus } from './helpers.ts';

let tree: TempTree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

async function http(port: number, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('examples/shop (the README demo)', () => {
  it('starts seven cells, PostgreSQL among them, and serves a real HTTP API whose errors come from typed cell errors', { timeout: 120_000 }, async () => {
    tree = copyOfRepoDir('examples/shop');
    const port = await freePort();
    const up = cell(['mitosis', tree.root, '--detach'], { env: { SHOP_HTTP_PORT: String(port) } });
    expect(up.code, up.stderr).toBe(0);
    const s = status(tree.root);
    expect(s.cells.map((c) => c.name).sort()).toEqual(['catalog', 'gateway', 'inventory', 'mailer', 'orders', 'payments', 'shop', 'stockdb']);
    const db = cellOf(s, 'stockdb');
    expect(db).toMatchObject({ state: 'ready', replicas: [{ state: 'ready', socket: null, ports: { pg: expect.any(Number) } }] });
    expect(readFileSync(join(tree.root, 'cells/stockdb/data/pg/PG_VERSION'), 'utf8').trim()).toBe('18'); // created on the first start
    expect(new Set(s.cells.map((c) => c.version))).toEqual(new Set(['1.0.0'])); // cell status shows each cell's version
    expect(cellOf(s, 'inventory').replicas.filter((r) => r.state === 'ready')).toHaveLength(3);
    expect(cellOf(s, 'mailer').idleTimeoutMs).toBe(20_000);

    expect((await http(port, 'GET', '/products')).json).toHaveLength(3);
    const servedBy = new Set<unknown>();
    for (let i = 0; i < 12; i++) servedBy.add((await http(port, 'GET', '/products/mug')).json['servedBy']);
    expect(servedBy.size).toBeGreaterThan(1); // the three inventory replicas share the load

    const order = await http(port, 'POST', '/orders', { sku: 'mug', qty: 2, card: '4242424242424242', email: 'ada@example.org' });
    expect(order.status).toBe(201);
    expect(order.json).toMatchObject({ sku: 'mug', qty: 2, totalCents: 2400 });
    expect((await http(port, 'GET', `/orders/${String(order.json['id'])}`)).json).toEqual(order.json);
    // The README shows this body: payments' CardDeclined, turned by orders into its own declared PaymentFailed.
    const declined = await http(port, 'POST', '/orders', { sku: 'mug', qty: 1, card: '4000000000000002', email: 'a@b.c' });
    expect(declined).toEqual({ status: 402, json: { code: 'PaymentFailed', message: 'PaymentFailed', details: { reason: 'the bank declined this card' }, declared: true } });
    expect((await http(port, 'POST', '/orders', { sku: 'tee', qty: 99, card: '4242424242424242', email: 'a@b.c' })).json).toMatchObject({
      code: 'OutOfStock',
      details: { available: 20 },
    });
    expect((await http(port, 'POST', '/orders', { sku: 'nope', qty: 1, card: '4242424242424242', email: 'a@b.c' })).status).toBe(404);
    expect((await http(port, 'POST', '/orders', { sku: 'mug', qty: 'x' })).json).toMatchObject({ code: 'CELL_E_INVALID_INPUT' });
    // The mailer got its fire-and-forget confirmation.
    const mails = await waitStatus(tree.root, () => cell(['logs', tree!.root, 'mailer', '--json']).stdout.includes('order confirmation sent'), 10_000, 'mail');
    expect(mails).toBeTruthy();
    // The stock is PostgreSQL's: it survives the whole tree stopping and starting again.
    const left = (await http(port, 'GET', '/products/mug')).json['available'];
    expect(left).toBe(48);
    expect(cell(['stop', tree.root]).code).toBe(0);
    expect(isProcessAlive(db.replicas[0]!.pid!)).toBe(false);
    const again = cell(['mitosis', tree.root, '--detach'], { env: { SHOP_HTTP_PORT: String(port) } });
    expect(again.code, again.stderr).toBe(0);
    // fetch keeps the connection to the first gateway alive; the first request after the restart may find it closed.
    const after = await http(port, 'GET', '/products/mug').catch(() => http(port, 'GET', '/products/mug'));
    expect(after.json['available']).toBe(48);
    expect(cell(['stop', tree.root]).code).toBe(0);
  });
});

describe('examples/shop cell.lock files', () => {
  it('are committed up to date: every locked genome equals what the producers declare now', () => {
    const r = cell(['check', 'examples/shop', '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const edges = JSON.parse(r.stdout) as Array<{ consumer: string; dep: string; locked: unknown; report: { compatible: unknown[]; breaking: unknown[] } }>;
    expect(edges.length).toBeGreaterThanOrEqual(7);
    for (const e of edges) {
      expect(e.locked, `${e.consumer} -> ${e.dep} is not locked`).not.toBeNull();
      expect(e.report, `${e.consumer} -> ${e.dep}: run \`cell types examples/shop\` and commit the cell.lock files`).toEqual({ compatible: [], breaking: [] });
    }
  });
});
