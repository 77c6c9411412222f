import { defineContract, Type, unary } from '@cell/sdk';

export const shopContract = defineContract({
  name: 'shop',
  version: '1.0.0',
  methods: {
    buy: unary({
      input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ left: Type.Integer(), servedBy: Type.String() }),
      errors: { SoldOut: Type.Object({ available: Type.Integer() }) },
    }),
  },
});
