import { defineContract, Type, unary } from '@cell/sdk';

/** Card payments. Declares the ways a charge can be refused, so callers must handle them. */
export const paymentsContract = defineContract({
  name: 'payments',
  version: '1.0.0',
  methods: {
    charge: unary({
      description: 'Charges a card.',
      input: Type.Object({ card: Type.String({ pattern: '^[0-9]{12,19}$' }), amountCents: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ paymentId: Type.String() }),
      errors: {
        CardDeclined: Type.Object({ reason: Type.String() }),
        LimitExceeded: Type.Object({ limitCents: Type.Integer(), amountCents: Type.Integer() }),
      },
    }),
  },
});
