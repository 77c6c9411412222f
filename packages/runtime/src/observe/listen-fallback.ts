import type { Server } from 'node:http';
import type { Logger } from '@cell/sdk';
import { originOf } from './http-guard.ts';

/** Where an endpoint of the tree listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * Listens on `address`; when its port is taken, on a free one of the same host (logged: the
 * configured port is a wish, the tree's status tells the one in use). Returns the bound address.
 */
export async function listenWithFallback(server: Server, address: ListenAddress, log: Logger, what: string): Promise<ListenAddress> {
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address.host, () => {
        server.off('error', reject);
        const bound = server.address();
        resolve(typeof bound === 'object' && bound ? bound.port : port);
      });
    });
  try {
    return { host: address.host, port: await listen(address.port) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    const bound = { host: address.host, port: await listen(0) };
    log.warn({ endpoint: what, wanted: `${address.host}:${address.port}`, url: originOf(bound) }, 'port taken; serving on a free one');
    return bound;
  }
}
