import { defineContract, Type, unary } from '@cell/sdk';

/** The accounts cell: balances, and withdrawals that can be refused. */
export const accountsContract = defineContract({
  name: 'accounts',
  version: '1.0.0',
  description: 'Holds account balances.',
  methods: {
    balance: unary({
      description: 'Current balance of an account, in cents.',
      input: Type.Object({ account: Type.String() }),
      output: Type.Object({ cents: Type.Integer() }),
      errors: { NoSuchAccount: Type.Object({ account: Type.String() }) },
    }),
    withdraw: unary({
      description: 'Takes money out of an account.',
      input: Type.Object({ account: Type.String(), cents: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ cents: Type.Integer({ description: 'balance left' }) }),
      errors: {
        NoSuchAccount: Type.Object({ account: Type.String() }),
        InsufficientFunds: Type.Object({ balance: Type.Integer(), requested: Type.Integer() }),
      },
    }),
  },
});
