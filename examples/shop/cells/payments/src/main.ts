import { randomUUID } from 'node:crypto';
import { serve } from '@cell/sdk';
import { paymentsContract } from './contract.ts';

const LIMIT_CENTS = 50_000;

await serve(paymentsContract, {
  charge: ({ card, amountCents }, ctx) => {
    if (card.startsWith('4000')) throw ctx.fail('CardDeclined', { reason: 'the bank declined this card' });
    if (amountCents > LIMIT_CENTS) throw ctx.fail('LimitExceeded', { limitCents: LIMIT_CENTS, amountCents });
    return { paymentId: randomUUID() };
  },
});
