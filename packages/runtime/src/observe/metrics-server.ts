import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@cell/sdk';

/** Where the metrics endpoint listens. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Connections the endpoint holds at once; more are closed as they arrive. */
export const MAX_CONNECTIONS = 32;

/** Host names a browser may use for a loopback server; anything else is refused there (DNS rebinding). */
const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function isLoopback(host: string): boolean {
  return host === '::1' || host.startsWith('127.') || host === 'localhost';
}

/** The host part of a Host header (`name:port`, `[v6]:port`, `name`). */
function hostName(header: string | undefined): string {
  if (!header) return '';
  const m = /^(\[[^\]]*\]|[^:]*)(?::\d+)?$/.exec(header.trim().toLowerCase());
  return m?.[1] ?? '';
}

/**
 * The tree's Prometheus endpoint: `GET /metrics` (and HEAD) answers the exposition `render`
 * makes — one render at a time, shared by scrapes that arrive while it runs; any other path is
 * 404, any other method 405; on loopback, a Host that is not a loopback name is 403.
 */
export class MetricsServer {
  private readonly server: Server;
  private readonly render: () => Promise<{ contentType: string; body: string }>;
  private readonly loopbackOnly: boolean;
  private rendering: Promise<{ contentType: string; body: string }> | undefined;
  address: ListenAddress;

  private constructor(server: Server, address: ListenAddress, render: () => Promise<{ contentType: string; body: string }>) {
    this.server = server;
    this.address = address;
    this.render = render;
    this.loopbackOnly = isLoopback(address.host);
  }

  /** The URL scrapers use. */
  get url(): string {
    const host = this.address.host.includes(':') ? `[${this.address.host}]` : this.address.host;
    return `http://${host}:${this.address.port}/metrics`;
  }

  /** Listens on `address`; when its port is taken, on a free one of the same host (logged). */
  static async open(address: ListenAddress, render: () => Promise<{ contentType: string; body: string }>, log: Logger): Promise<MetricsServer> {
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 });
    // A scraper needs one connection; a flood of them is dropped, not held (idle ones time out).
    server.maxConnections = MAX_CONNECTIONS;
    const metrics = new MetricsServer(server, address, render);
    server.on('request', (req, res) => metrics.answer(req, res));
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
      metrics.address = { host: address.host, port: await listen(address.port) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      metrics.address = { host: address.host, port: await listen(0) };
      log.warn({ wanted: `${address.host}:${address.port}`, url: metrics.url }, 'metrics port taken; serving on a free one');
    }
    server.unref();
    return metrics;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    const plain = (status: number, text: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(`${text}\n`);
    };
    if (this.loopbackOnly && !LOOPBACK_NAMES.has(hostName(req.headers.host))) return plain(403, 'this endpoint answers loopback host names only');
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics') return plain(404, 'not found: metrics are at /metrics');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'only GET and HEAD', { allow: 'GET, HEAD' });
    this.rendering ??= this.render().finally(() => (this.rendering = undefined));
    this.rendering.then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => plain(500, `metrics failed: ${(err as Error).message}`),
    );
  }
}
