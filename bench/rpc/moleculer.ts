// Moleculer 0.15 with its TCP transporter (static endpoints, no UDP discovery), default settings.
import { ServiceBroker } from 'moleculer';
import type { BenchClient, Payload, RpcSystem } from './system.ts';

function broker(nodeID: string, port: number, serverPort: number): ServiceBroker {
  return new ServiceBroker({
    nodeID,
    logger: false,
    transporter: {
      type: 'TCP',
      options: {
        udpDiscovery: false,
        port,
        urls: [`127.0.0.1:${serverPort}/server`, `127.0.0.1:${serverPort + 1}/client`].join(','),
      },
    },
  });
}

export const moleculer: RpcSystem = {
  async serve(address) {
    const port = Number(address);
    const b = broker('server', port, port);
    b.createService({ name: 'echo', actions: { echo: (ctx) => ctx.params } });
    await b.start();
  },
  async connect(address): Promise<BenchClient> {
    const port = Number(address);
    const b = broker('client', port + 1, port);
    await b.start();
    await b.waitForServices(['echo'], 10_000);
    return {
      call: (input: Payload) => b.call('echo.echo', input),
      close: () => b.stop(),
    };
  },
};
