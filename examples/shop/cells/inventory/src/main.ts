import { mkdirSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { serve } from '@cell/sdk';
import { inventoryContract } from './contract.ts';

// node:sqlite ships with Node 24: one file, safe across the three replica processes.
mkdirSync('data', { recursive: true });
const db = new DatabaseSync('data/stock.db');
db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
db.exec('CREATE TABLE IF NOT EXISTS stock (sku TEXT PRIMARY KEY, available INTEGER NOT NULL)');
db.exec("INSERT OR IGNORE INTO stock VALUES ('mug', 50), ('tee', 20), ('sticker', 500)");
const read = db.prepare('SELECT available FROM stock WHERE sku = ?');
const change = db.prepare('UPDATE stock SET available = available + ? WHERE sku = ?');
const replica = process.env['CELL_REPLICA'] ?? 'inventory';

function available(sku: string): number {
  return Number((read.get(sku) as { available?: number } | undefined)?.available ?? 0);
}

await serve(inventoryContract, {
  stock: ({ sku }) => ({ sku, available: available(sku), replica }),
  reserve: ({ sku, qty }, ctx) => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const have = available(sku);
      if (have < qty) throw ctx.fail('OutOfStock', { sku, available: have, requested: qty });
      change.run(-qty, sku);
      db.exec('COMMIT');
      return { sku, left: have - qty };
    } catch (err) {
      db.exec('ROLLBACK');
      throw err;
    }
  },
  release: ({ sku, qty }) => {
    change.run(qty, sku);
    return { sku, left: available(sku) };
  },
});
