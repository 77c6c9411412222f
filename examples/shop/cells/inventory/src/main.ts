import { serve } from '@cell/sdk';
import { inventoryContract } from './contract.ts';
import { postgresStore } from './postgres-store.ts';
import { sqliteStore } from './sqlite-store.ts';

// The tree's PostgreSQL cell (stockdb) when it runs one: the nucleus gives its address.
const url = process.env['CELL_DEP_STOCKDB_URL'];
const store = url ? await postgresStore(url) : sqliteStore(process.env['CELL_DATA'] ?? 'data');
const replica = process.env['CELL_REPLICA'] ?? 'inventory';

await serve(inventoryContract, {
  stock: async ({ sku }) => ({ sku, available: await store.available(sku), replica }),
  reserve: async ({ sku, qty }, ctx) => {
    const left = await store.take(sku, qty);
    if (left === undefined) throw ctx.fail('OutOfStock', { sku, available: await store.available(sku), requested: qty });
    return { sku, left };
  },
  release: async ({ sku, qty }) => ({ sku, left: await store.give(sku, qty) }),
});
