import { defineContract, Type, unary } from '@cell/sdk';

/** Stock levels, shared by every replica through the tree's PostgreSQL (stockdb). */
export const inventoryContract = defineContract({
  name: 'inventory',
  version: '1.0.0',
  methods: {
    stock: unary({
      description: 'Units in stock for a SKU.',
      input: Type.Object({ sku: Type.String() }),
      output: Type.Object({ sku: Type.String(), available: Type.Integer(), replica: Type.String() }),
    }),
    reserve: unary({
      description: 'Takes units out of stock, all or nothing.',
      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1, maximum: 100 }) }),
      output: Type.Object({ sku: Type.String(), left: Type.Integer() }),
      errors: { OutOfStock: Type.Object({ sku: Type.String(), available: Type.Integer(), requested: Type.Integer() }) },
    }),
    release: unary({
      description: 'Puts units back (after a failed payment).',
      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1, maximum: 100 }) }),
      output: Type.Object({ sku: Type.String(), left: Type.Integer() }),
    }),
  },
});
