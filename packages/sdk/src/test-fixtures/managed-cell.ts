// A cell process for cell-process.test.ts: serves the echo contract on CELL_SOCKET (so, under
// CELL_NAME, it behaves as a cell the runtime started), then prints one JSON line. With
// TEST_HOLD_CONNECTION=1 it first opens a connection to itself, closed on a `test:release` message.
import { serve, type Membrane } from '../membrane.ts';
import { connect } from '../synapse.ts';
import { echoContract } from './echo-contract.ts';
import { echoHandlers } from './echo-handlers.ts';

const membrane: Membrane<typeof echoContract> = await serve(echoContract, echoHandlers(() => membrane));
const disconnectListeners = process.listenerCount('disconnect');
const holder = process.env['TEST_HOLD_CONNECTION'] === '1' ? connect(echoContract, { socketPath: membrane.socketPath }) : undefined;
await holder?.$connect();
process.on('message', (m: unknown) => {
  if ((m as { type?: unknown } | null)?.type === 'test:release') void holder?.$close();
});
process.stdout.write(`${JSON.stringify({ ready: true, disconnectListeners, connections: membrane.connections })}\n`);
