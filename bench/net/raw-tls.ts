// Raw TLS 1.3 with pinned Ed25519 keys (the same credentials and handshake as an axon) and
// Cell's framing: what the encrypted, authenticated data plane costs before Cell adds anything.
import { connectAxon, listenAxon } from '@cell/wire';
import { echoOn, framedClient } from '../lib/framed-echo.ts';
import type { BenchClient, RpcSystem } from '../rpc/system.ts';
import { hostPort, identityFrom } from './addresses.ts';


export const rawTls: RpcSystem = {
  async serve(address) {
    const { host, port } = hostPort(address);
    await listenAxon(host, port, identityFrom('BENCH_SERVER_IDENTITY'), (socket) => echoOn(socket));
  },
  async connect(address): Promise<BenchClient> {
    const { host, port } = hostPort(address);
    const server = identityFrom('BENCH_SERVER_IDENTITY');
    const socket = await connectAxon({ host, port, key: server.publicKey }, identityFrom('BENCH_CLIENT_IDENTITY'), 5000);
    return framedClient(socket);
  },
};
