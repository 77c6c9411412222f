import { serve } from '@cell/sdk';
import { accountsContract } from './contract.ts';

const balances = new Map([
  ['alice', 10_000],
  ['bob', 250],
]);

await serve(accountsContract, {
  balance: ({ account }, ctx) => {
    const cents = balances.get(account);
    if (cents === undefined) throw ctx.fail('NoSuchAccount', { account });
    return { cents };
  },
  withdraw: ({ account, cents }, ctx) => {
    const balance = balances.get(account);
    if (balance === undefined) throw ctx.fail('NoSuchAccount', { account });
    if (balance < cents) throw ctx.fail('InsufficientFunds', { balance, requested: cents }, `only ${balance} cents left`);
    balances.set(account, balance - cents);
    return { cents: balance - cents };
  },
});
