import { defineContract, notify, Type, unary } from '@cell/sdk';

/** Sends mail. Rarely used, so it exits when idle and starts again on demand. */
export const mailerContract = defineContract({
  name: 'mailer',
  version: '1.0.0',
  methods: {
    orderConfirmation: notify({
      description: 'Fire-and-forget: mails an order confirmation.',
      input: Type.Object({ orderId: Type.String(), email: Type.String() }),
    }),
    sent: unary({ description: 'How many mails this process has sent.', input: Type.Object({}), output: Type.Object({ count: Type.Integer() }) }),
  },
});
