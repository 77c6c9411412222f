import { defineContract, Type, unary } from '@cell/sdk';

/** Stock levels, served to other machines. */
export const stockContract = defineContract({
  name: 'stock',
  version: '1.0.0',
  methods: {
    reserve: unary({
      description: 'Takes units out of stock.',
      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ left: Type.Integer(), servedBy: Type.String() }),
      errors: { OutOfStock: Type.Object({ available: Type.Integer() }) },
    }),
  },
});
