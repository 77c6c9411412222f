import { connect, serve } from '@cell/sdk';
// Same tree: the consumer imports the producer's contract directly; types come from it alone.
import { accountsContract } from '../../accounts/src/contract.ts';
import { tellerContract } from './contract.ts';

const accountsSocket = process.env['ACCOUNTS_SOCKET'];
if (!accountsSocket) throw new Error('ACCOUNTS_SOCKET is not set');
const accounts = connect(accountsContract, { socketPath: accountsSocket });

await serve(tellerContract, {
  pay: async ({ account, cents }, ctx) => {
    // `ctx` as call options: the nested call inherits this call's trace, deadline and cancellation.
    const result = await accounts.withdraw.try({ account, cents }, ctx);
    if (result.ok) return { paid: cents, left: result.value.cents };
    const error = result.error;
    switch (error.code) {
      case 'InsufficientFunds': // error.details is typed: { balance: number; requested: number }
        throw ctx.fail('Declined', { reason: 'insufficient funds', shortBy: error.details.requested - error.details.balance });
      case 'NoSuchAccount':
        throw ctx.fail('Declined', { reason: `no account ${error.details.account}` });
      default: // CELL_E_UNAVAILABLE, CELL_E_TIMEOUT, ...
        throw ctx.fail('Declined', { reason: `accounts cell failed: ${error.code}` });
    }
  },
});
