import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { OPENING_STOCK, type StockStore } from './stock-store.ts';

/**
 * Stock in a SQLite file of the cell's data directory (node:sqlite, safe across replica
 * processes): where the tree runs no stockdb — on a donor, which does not run process cells yet.
 */
export function sqliteStore(dataDir: string): StockStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new DatabaseSync(join(dataDir, 'stock.db'));
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec('CREATE TABLE IF NOT EXISTS stock (sku TEXT PRIMARY KEY, available INTEGER NOT NULL)');
  const insert = db.prepare('INSERT OR IGNORE INTO stock VALUES (?, ?)');
  for (const [sku, available] of OPENING_STOCK) insert.run(sku, available);
  const read = db.prepare('SELECT available FROM stock WHERE sku = ?');
  const take = db.prepare('UPDATE stock SET available = available - ? WHERE sku = ? AND available >= ? RETURNING available');
  const give = db.prepare('UPDATE stock SET available = available + ? WHERE sku = ? RETURNING available');
  const count = (row: unknown) => Number((row as { available?: number } | undefined)?.available ?? 0);
  return {
    available: (sku) => Promise.resolve(count(read.get(sku))),
    take: (sku, qty) => {
      const row = take.get(qty, sku, qty);
      return Promise.resolve(row ? count(row) : undefined);
    },
    give: (sku, qty) => Promise.resolve(count(give.get(qty, sku))),
  };
}
