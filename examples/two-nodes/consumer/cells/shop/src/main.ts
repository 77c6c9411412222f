import { serve } from '@cell/sdk';
// Generated from the live genome of `stock` on the other machine (or from cell.lock offline).
import { connectStock } from '../.cell/bindings/stock.ts';
import { shopContract } from './contract.ts';

const stock = connectStock();

await serve(shopContract, {
  buy: async (input, ctx) => {
    const r = await stock.reserve.try(input, ctx);
    if (r.ok) return r.value;
    if (r.error.code === 'OutOfStock') throw ctx.fail('SoldOut', { available: r.error.details.available });
    throw r.error;
  },
});
