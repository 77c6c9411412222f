// Cell across hosts: a membrane serving over its axon, a synapse pinned to the server's key.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, serve } from '@cell/sdk';
import { benchContract } from '../rpc/cell.ts';
import type { BenchClient, RpcSystem } from '../rpc/system.ts';
import { hostPort, identityFrom } from './addresses.ts';

export const cellAxon: RpcSystem = {
  async serve(address) {
    const { host, port } = hostPort(address);
    const credentials = identityFrom('BENCH_SERVER_IDENTITY');
    const client = identityFrom('BENCH_CLIENT_IDENTITY');
    await serve(benchContract, { echo: (input) => input }, {
      socketPath: join(mkdtempSync(join(tmpdir(), 'cell-bench-axon-')), 'bench.sock'),
      axon: { host, port, credentials, allowedKeys: [client.peerId] },
    });
  },
  async connect(address): Promise<BenchClient> {
    const { host, port } = hostPort(address);
    const server = identityFrom('BENCH_SERVER_IDENTITY');
    const client = connect(benchContract, { axon: { host, port, key: server.peerId }, credentials: identityFrom('BENCH_CLIENT_IDENTITY') });
    await client.$connect();
    return { call: (input) => client.echo(input), close: () => client.$close() };
  },
};
