import type { IncomingMessage, ServerResponse } from 'node:http';
import { isCellError } from '@cell/sdk';
// Typed clients generated from each dependency's genome (cell types / cell build / cell mitosis).
import { connectCatalog } from '../.cell/bindings/catalog.ts';
import { connectInventory } from '../.cell/bindings/inventory.ts';
import { connectOrders, type PlaceInput } from '../.cell/bindings/orders.ts';

const catalog = connectCatalog();
const inventory = connectInventory();
const orders = connectOrders();

const MAX_BODY_BYTES = 64 * 1024;

type Reply = { status: number; body: unknown };

/** HTTP status for an SDK error that no route handled more precisely. */
function sdkStatus(code: string): number {
  switch (code) {
    case 'CELL_E_INVALID_INPUT':
      return 400;
    case 'CELL_E_TIMEOUT':
      return 504;
    case 'CELL_E_UNAVAILABLE':
    case 'CELL_E_OVERLOADED':
      return 503;
    default:
      return 500;
  }
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('body too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'));
      } catch {
        reject(Object.assign(new Error('body is not JSON'), { status: 400 }));
      }
    });
    req.on('error', reject);
  });
}

async function route(method: string, path: string, req: IncomingMessage): Promise<Reply> {
  const parts = path.split('/').filter(Boolean);
  if (method === 'GET' && parts.length === 0) {
    return { status: 200, body: { routes: ['GET /products', 'GET /products/:sku', 'POST /orders {sku,qty,card,email}', 'GET /orders/:id'] } };
  }
  if (method === 'GET' && parts[0] === 'products' && parts.length === 1) return { status: 200, body: await catalog.list({}) };
  if (method === 'GET' && parts[0] === 'products' && parts.length === 2) {
    const product = await catalog.get.try({ sku: parts[1]! });
    if (!product.ok) return product.error.code === 'NotFound' ? { status: 404, body: product.error } : { status: sdkStatus(product.error.code), body: product.error };
    const stock = await inventory.stock({ sku: parts[1]! });
    return { status: 200, body: { ...product.value, available: stock.available, servedBy: stock.replica } };
  }
  if (method === 'POST' && parts[0] === 'orders' && parts.length === 1) {
    // The membrane validates the body against the genome; a wrong one is CELL_E_INVALID_INPUT (400).
    const placed = await orders.place.try((await readJson(req)) as PlaceInput);
    if (placed.ok) return { status: 201, body: placed.value };
    const e = placed.error;
    switch (e.code) {
      case 'UnknownProduct':
        return { status: 404, body: e };
      case 'OutOfStock':
        return { status: 409, body: e };
      case 'PaymentFailed':
        return { status: 402, body: e };
      default:
        return { status: sdkStatus(e.code), body: e };
    }
  }
  if (method === 'GET' && parts[0] === 'orders' && parts.length === 2) {
    const order = await orders.get.try({ id: parts[1]! });
    if (order.ok) return { status: 200, body: order.value };
    return { status: order.error.code === 'NotFound' ? 404 : sdkStatus(order.error.code), body: order.error };
  }
  return { status: 404, body: { code: 'NOT_FOUND', message: `no route ${method} ${path}` } };
}

/** The HTTP front door of the shop: JSON over plain node:http. */
export async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let reply: Reply;
  try {
    reply = await route(req.method ?? 'GET', new URL(req.url ?? '/', 'http://x').pathname, req);
  } catch (err) {
    const status = (err as { status?: number }).status ?? (isCellError(err) ? sdkStatus(err.code) : 500);
    reply = { status, body: isCellError(err) ? err.toJSON() : { code: 'BAD_REQUEST', message: (err as Error).message } };
  }
  res.writeHead(reply.status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(reply.body)}\n`);
}
