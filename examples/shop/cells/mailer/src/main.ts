import { processLog, serve } from '@cell/sdk';
import { mailerContract } from './contract.ts';

let count = 0;

await serve(mailerContract, {
  orderConfirmation: ({ orderId, email }) => {
    count++;
    processLog().info({ orderId, email }, 'order confirmation sent');
  },
  sent: () => ({ count }),
});
