import postgres from 'postgres';
import { OPENING_STOCK, type StockStore } from './stock-store.ts';

/** Stock in PostgreSQL (the `stockdb` cell): one table, shared by every replica; each change is one atomic statement. */
export async function postgresStore(url: string): Promise<StockStore> {
  const sql = postgres(url, { max: 4, idle_timeout: 30, connect_timeout: 10, onnotice: () => undefined });
  // Three replicas start together: one of them at a time creates the table.
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(7301)`;
    await tx`CREATE TABLE IF NOT EXISTS stock (sku text PRIMARY KEY, available integer NOT NULL CHECK (available >= 0))`;
    for (const [sku, available] of OPENING_STOCK) await tx`INSERT INTO stock VALUES (${sku}, ${available}) ON CONFLICT DO NOTHING`;
  });
  const available = async (sku: string) => Number((await sql`SELECT available FROM stock WHERE sku = ${sku}`)[0]?.['available'] ?? 0);
  return {
    available,
    async take(sku, qty) {
      const rows = await sql`UPDATE stock SET available = available - ${qty} WHERE sku = ${sku} AND available >= ${qty} RETURNING available`;
      return rows[0] ? Number(rows[0]['available']) : undefined;
    },
    async give(sku, qty) {
      const rows = await sql`UPDATE stock SET available = available + ${qty} WHERE sku = ${sku} RETURNING available`;
      return Number(rows[0]?.['available'] ?? 0);
    },
  };
}
