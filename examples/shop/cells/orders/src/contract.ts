import { defineContract, Type, unary } from '@cell/sdk';

export const Order = Type.Object({
  id: Type.String(),
  sku: Type.String(),
  qty: Type.Integer(),
  totalCents: Type.Integer(),
  paymentId: Type.String(),
  createdAt: Type.Integer(),
});

/** Places orders: checks the catalog, reserves stock, charges, records, mails. */
export const ordersContract = defineContract({
  name: 'orders',
  version: '1.0.0',
  methods: {
    place: unary({
      description: 'Places an order; all or nothing.',
      input: Type.Object({
        sku: Type.String(),
        qty: Type.Integer({ minimum: 1, maximum: 100 }),
        card: Type.String(),
        email: Type.String({ pattern: '^[^@\\s]+@[^@\\s]+$' }),
      }),
      output: Order,
      errors: {
        UnknownProduct: Type.Object({ sku: Type.String() }),
        OutOfStock: Type.Object({ sku: Type.String(), available: Type.Integer() }),
        PaymentFailed: Type.Object({ reason: Type.String() }),
      },
    }),
    get: unary({
      input: Type.Object({ id: Type.String() }),
      output: Order,
      errors: { NotFound: Type.Object({ id: Type.String() }) },
    }),
  },
});
