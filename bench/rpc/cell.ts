// Cell: the SDK's membrane and synapse over its Unix socket, exactly as a cell uses them.
import { connect, defineContract, serve, Type, unary } from '@cell/sdk';
import type { BenchClient, RpcSystem } from './system.ts';

const Payload = Type.Object({ n: Type.Integer(), text: Type.String() });
/** The echo contract every Cell benchmark serves. */
export const benchContract = defineContract({
  name: 'bench',
  version: '1.0.0',
  methods: { echo: unary({ input: Payload, output: Payload }) },
});

/** The same cell told neither to count its calls nor to keep them as spans (`CELL_CALL_STATS=0`, `CELL_SPANS=0`). */
export const cellUnobserved: RpcSystem = {
  serve(socketPath) {
    process.env['CELL_CALL_STATS'] = '0'; // both read once, at the first serve()
    process.env['CELL_SPANS'] = '0';
    return cell.serve(socketPath);
  },
  connect: (socketPath) => cell.connect(socketPath),
};

export const cell: RpcSystem = {
  async serve(socketPath) {
    await serve(benchContract, { echo: (input) => input }, { socketPath });
  },
  async connect(socketPath): Promise<BenchClient> {
    const client = connect(benchContract, { socketPath });
    await client.$connect();
    return { call: (input) => client.echo(input), close: () => client.$close() };
  },
};
