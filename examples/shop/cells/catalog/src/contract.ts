import { defineContract, Type, unary } from '@cell/sdk';

export const Product = Type.Object({
  sku: Type.String(),
  name: Type.String(),
  priceCents: Type.Integer({ minimum: 0 }),
});

/** The product catalog. */
export const catalogContract = defineContract({
  name: 'catalog',
  version: '1.0.0',
  methods: {
    list: unary({ description: 'Every product.', input: Type.Object({}), output: Type.Array(Product) }),
    get: unary({
      description: 'One product by SKU.',
      input: Type.Object({ sku: Type.String() }),
      output: Product,
      errors: { NotFound: Type.Object({ sku: Type.String() }) },
    }),
  },
});
