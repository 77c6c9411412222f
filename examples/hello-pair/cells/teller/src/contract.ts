import { defineContract, Type, unary } from '@cell/sdk';

/** The teller cell: pays for things out of an account, explaining refusals. */
export const tellerContract = defineContract({
  name: 'teller',
  version: '1.0.0',
  methods: {
    pay: unary({
      description: 'Pays `cents` from `account`.',
      input: Type.Object({ account: Type.String(), cents: Type.Integer({ minimum: 1 }) }),
      output: Type.Object({ paid: Type.Integer(), left: Type.Integer() }),
      errors: { Declined: Type.Object({ reason: Type.String(), shortBy: Type.Optional(Type.Integer()) }) },
    }),
  },
});
