import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@cell/sdk';
import { hasLoopbackHost, isLoopback, originOf } from './http-guard.ts';
import { type ListenAddress, listenWithFallback } from './listen-fallback.ts';

/** Connections the endpoint holds at once; more are closed as they arrive. */
export const MAX_CONNECTIONS = 32;

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
    return `${originOf(this.address)}/metrics`;
  }

  /** Listens on `address`; when its port is taken, on a free one of the same host (logged). */
  static async open(address: ListenAddress, render: () => Promise<{ contentType: string; body: string }>, log: Logger): Promise<MetricsServer> {
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000, keepAliveTimeout: 5_000 });
    // A scraper needs one connection; a flood of them is dropped, not held (idle ones time out).
    server.maxConnections = MAX_CONNECTIONS;
    const metrics = new MetricsServer(server, address, render);
    server.on('request', (req, res) => metrics.answer(req, res));
    metrics.address = await listenWithFallback(server, address, log, 'metrics');
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
    if (this.loopbackOnly && !hasLoopbackHost(req)) return plain(403, 'this endpoint answers loopback host names only');
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
