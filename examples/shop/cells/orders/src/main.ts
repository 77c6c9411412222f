import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { connect, serve } from '@cell/sdk';
import { catalogContract } from '../../catalog/src/contract.ts';
import { inventoryContract } from '../../inventory/src/contract.ts';
import { mailerContract } from '../../mailer/src/contract.ts';
import { paymentsContract } from '../../payments/src/contract.ts';
import { ordersContract } from './contract.ts';

// Dependencies by name, as declared in cell.toml [deps]; typed from each producer's contract.
const catalog = connect(catalogContract);
const inventory = connect(inventoryContract);
const payments = connect(paymentsContract);
const mailer = connect(mailerContract);

mkdirSync('data', { recursive: true });
const db = new DatabaseSync('data/orders.db');
db.exec('PRAGMA journal_mode = WAL');
db.exec('CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, json TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO orders VALUES (?, ?)');
const select = db.prepare('SELECT json FROM orders WHERE id = ?');

await serve(ordersContract, {
  place: async ({ sku, qty, card, email }, ctx) => {
    const product = await catalog.get.try({ sku }, ctx);
    if (!product.ok) {
      if (product.error.code === 'NotFound') throw ctx.fail('UnknownProduct', { sku });
      throw product.error;
    }
    const reserved = await inventory.reserve.try({ sku, qty }, ctx);
    if (!reserved.ok) {
      if (reserved.error.code === 'OutOfStock') throw ctx.fail('OutOfStock', { sku, available: reserved.error.details.available });
      throw reserved.error;
    }
    const totalCents = product.value.priceCents * qty;
    const paid = await payments.charge.try({ card, amountCents: totalCents }, ctx);
    if (!paid.ok) {
      await inventory.release({ sku, qty }, ctx);
      switch (paid.error.code) {
        case 'CardDeclined':
          throw ctx.fail('PaymentFailed', { reason: paid.error.details.reason });
        case 'LimitExceeded':
          throw ctx.fail('PaymentFailed', { reason: `over the limit of ${paid.error.details.limitCents} cents` });
        default:
          throw ctx.fail('PaymentFailed', { reason: `payments unavailable (${paid.error.code})` });
      }
    }
    const order = { id: randomUUID(), sku, qty, totalCents, paymentId: paid.value.paymentId, createdAt: Date.now() };
    insert.run(order.id, JSON.stringify(order));
    // Fire-and-forget (in this request's trace): the mailer starts on demand if it went idle.
    mailer.orderConfirmation({ orderId: order.id, email }, ctx).catch((err: unknown) => ctx.log.warn({ err }, 'confirmation mail not sent'));
    return order;
  },
  get: ({ id }, ctx) => {
    const row = select.get(id) as { json: string } | undefined;
    if (!row) throw ctx.fail('NotFound', { id });
    return JSON.parse(row.json) as ReturnType<typeof JSON.parse>;
  },
});
