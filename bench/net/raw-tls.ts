// Raw TLS 1.3 with pinned Ed25519 keys (the same credentials and handshake as an axon) and
// Cell's framing: what the encrypted, authenticated data plane costs before Cell adds anything.
import { connectAxon, listenAxon, loadAxonCredentials } from '@cell/sdk';
import { echoOn, framedClient } from '../lib/framed-echo.ts';
import type { BenchClient, RpcSystem } from '../rpc/system.ts';
import { hostPort } from './addresses.ts';

function credentials(variable: string) {
  const c = loadAxonCredentials(process.env[variable]);
  if (!c) throw new Error(`${variable} must name a node identity file`);
  return c;
}

export const rawTls: RpcSystem = {
  async serve(address) {
    const { host, port } = hostPort(address);
    await listenAxon(host, port, credentials('BENCH_SERVER_IDENTITY'), (socket) => echoOn(socket));
  },
  async connect(address): Promise<BenchClient> {
    const { host, port } = hostPort(address);
    const server = credentials('BENCH_SERVER_IDENTITY');
    const socket = await connectAxon({ host, port, key: server.publicKey }, credentials('BENCH_CLIENT_IDENTITY'), 5000);
    return framedClient(socket);
  },
};
