import { hostname } from 'node:os';
import { serve } from '@cell/sdk';
import { stockContract } from './contract.ts';

let left = 100;
await serve(stockContract, {
  reserve: ({ qty }, ctx) => {
    if (qty > left) throw ctx.fail('OutOfStock', { available: left });
    left -= qty;
    return { left, servedBy: `${hostname()} (called by node ${ctx.caller.node ?? 'local'})` };
  },
});
