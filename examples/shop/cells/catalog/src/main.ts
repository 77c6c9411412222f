import { serve } from '@cell/sdk';
import { catalogContract } from './contract.ts';

const products = [
  { sku: 'mug', name: 'Cell mug', priceCents: 1200 },
  { sku: 'tee', name: 'Mitosis T-shirt', priceCents: 2500 },
  { sku: 'sticker', name: 'Membrane sticker', priceCents: 300 },
];

await serve(catalogContract, {
  list: () => products,
  get: ({ sku }, ctx) => {
    const p = products.find((x) => x.sku === sku);
    if (!p) throw ctx.fail('NotFound', { sku });
    return p;
  },
});
