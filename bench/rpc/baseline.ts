// The baseline: node:net over a Unix socket with Cell's framing and msgpackr, no SDK.
import { connect as netConnect, createServer } from 'node:net';
import { echoOn, framedClient, listening } from '../lib/framed-echo.ts';
import type { BenchClient, RpcSystem } from './system.ts';

export const baseline: RpcSystem = {
  async serve(path) {
    const server = createServer(echoOn);
    await listening(server, (done) => server.listen(path, done));
  },
  async connect(path): Promise<BenchClient> {
    const socket = netConnect(path);
    await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return framedClient(socket);
  },
};
