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
