// Raw TCP with Cell's framing and msgpackr: the floor of any cross-host call.
import { connect as netConnect, createServer } from 'node:net';
import { echoOn, framedClient, listening } from '../lib/framed-echo.ts';
import type { BenchClient, RpcSystem } from '../rpc/system.ts';
import { hostPort } from './addresses.ts';

export const rawTcp: RpcSystem = {
  async serve(address) {
    const { host, port } = hostPort(address);
    const server = createServer(echoOn);
    await listening(server, (done) => server.listen(port, host, done));
  },
  async connect(address): Promise<BenchClient> {
    const { host, port } = hostPort(address);
    const socket = netConnect(port, host);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return framedClient(socket);
  },
};
