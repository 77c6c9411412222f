import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from '@cell/sdk';
import { DashboardEvents, type DashboardSource } from './dashboard-events.ts';
import { type DashboardPage, dashboardPage } from './dashboard-page.ts';
import { hasLoopbackHost, isLoopback, originOf, sameSecret } from './http-guard.ts';
import { type ListenAddress, listenWithFallback } from './listen-fallback.ts';

/** Connections the dashboard holds at once; more are closed as they arrive. */
export const MAX_CONNECTIONS = 64;
/** Browsers watching at once (each holds one event stream); more get 503. */
export const MAX_WATCHERS = 16;
/** The largest header block accepted (Node answers 431 beyond it). */
const MAX_HEADER_BYTES = 16 * 1024;
/** Fetch metadata a browser sends on a request another site started (a page elsewhere cannot use the dashboard, even on loopback). */
const CROSS_SITE = new Set(['cross-site', 'same-site']);

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** What the dashboard serves beyond the tree's state: method calls (the HTTP door's routes, mounted under /api/call). */
export interface CallRoutes {
  answer(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** Closes the connections its calls opened. */
  close?(): Promise<void>;
}

/**
 * The tree's web dashboard: one page (no external resource) and the JSON it reads — the status,
 * the calls graph, recent traces, a cell's genome, live events — and method calls for its API
 * explorer. On loopback it needs no login but refuses a Host that is not a loopback name (DNS
 * rebinding); bound anywhere else it asks for a token (in the URL once, then a cookie). Changes
 * (POST) must come from its own page: JSON only, and an Origin, when sent, of its own address.
 */
export class DashboardServer {
  readonly token: string | undefined;
  address: ListenAddress;
  private readonly server: Server;
  private readonly loopbackOnly: boolean;
  private readonly events: DashboardEvents;
  private readonly source: DashboardSource;
  private readonly calls: CallRoutes;
  private readonly page: DashboardPage;

  private constructor(address: ListenAddress, source: DashboardSource, calls: CallRoutes, page: DashboardPage, requireToken: boolean) {
    this.address = address;
    this.source = source;
    this.calls = calls;
    this.page = page;
    this.loopbackOnly = isLoopback(address.host);
    this.token = requireToken ? randomBytes(24).toString('base64url') : undefined;
    this.events = new DashboardEvents(source, MAX_WATCHERS);
    this.server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000, maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => this.route(req, res));
    this.server.maxConnections = MAX_CONNECTIONS;
  }

  /** Listens on `address` (a free port of its host when that one is taken); a token is required unless it is loopback. */
  static async open(address: ListenAddress, source: DashboardSource, calls: CallRoutes, log: Logger, options: { requireToken?: boolean } = {}): Promise<DashboardServer> {
    const dashboard = new DashboardServer(address, source, calls, dashboardPage(), options.requireToken ?? !isLoopback(address.host));
    dashboard.address = await listenWithFallback(dashboard.server, address, log, 'dashboard');
    dashboard.server.unref();
    return dashboard;
  }

  /** The URL to open (with the token, when one is needed). */
  get url(): string {
    return `${originOf(this.address)}/${this.token === undefined ? '' : `?token=${this.token}`}`;
  }

  async close(): Promise<void> {
    this.events.close();
    await this.calls.close?.();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (this.loopbackOnly && !hasLoopbackHost(req)) return plain(res, 403, 'this dashboard answers loopback host names only');
    if (CROSS_SITE.has(String(req.headers['sec-fetch-site']))) return plain(res, 403, 'this dashboard answers its own page only');
    const url = parseTarget(req.url);
    if (!url) return plain(res, 400, 'a request target this dashboard cannot read');
    const path = url.pathname;
    if (!this.authorized(req, url)) return plain(res, 401, 'this dashboard needs its token: open the URL `cell dashboard` prints');
    if (req.method === 'POST') {
      if (!this.sameOrigin(req)) return plain(res, 403, 'changes come from the dashboard page only');
      if (!path.startsWith('/api/call/')) return plain(res, 404, `not found: ${path}`);
      return this.calls.answer(req, res, path.slice('/api/call'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'GET, HEAD or POST', { allow: 'GET, HEAD, POST' });
    const asset = this.page.asset(path);
    if (asset) {
      if (path === '/' && this.token !== undefined) res.setHeader('set-cookie', `${this.cookie}=${this.token}; HttpOnly; SameSite=Strict; Path=/`);
      return void asset.then(
        ({ type, body }) => {
          res.writeHead(200, { 'content-type': type, 'content-length': body.length });
          res.end(req.method === 'HEAD' ? undefined : body);
        },
        (err: unknown) => plain(res, 500, `the page could not be made: ${(err as Error).message}`),
      );
    }
    if (path === '/api/events') return this.events.watch(req, res);
    const json = this.api(path, url);
    if (!json) return plain(res, 404, `not found: ${path}`);
    json.then(
      (body) => (body === undefined ? plain(res, 404, `not found: ${path}`) : send(res, 200, body)),
      (err: unknown) => plain(res, 500, `failed: ${(err as Error).message}`),
    );
  }

  private api(path: string, url: URL): Promise<unknown> | undefined {
    if (path === '/api/status') return this.source.fullStatus();
    if (path === '/api/graph') return this.events.graph();
    if (path === '/api/traces') return this.events.traces();
    if (path === '/api/logs') return Promise.resolve({ lines: this.source.logs.recent() });
    if (path === '/api/genome') return this.source.genome(url.searchParams.get('cell') ?? '');
    return undefined;
  }

  private authorized(req: IncomingMessage, url: URL): boolean {
    if (this.token === undefined) return true;
    const bearer = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((c) => c.startsWith(`${this.cookie}=`))?.slice(this.cookie.length + 1);
    return [url.searchParams.get('token') ?? undefined, bearer, cookie].some((t) => sameSecret(t, this.token!));
  }

  /** Cookies are per host, not per port: each dashboard's has its port in its name. */
  private get cookie(): string {
    return `cell_dashboard_${this.address.port}`;
  }

  /**
   * A POST from the page itself: JSON (a cross-site form cannot send it without asking first), and,
   * when the browser names an Origin, one whose host is the one asked (any scheme: a TLS proxy in front).
   */
  private sameOrigin(req: IncomingMessage): boolean {
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) return false;
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    return parseTarget(origin)?.host === (req.headers.host ?? '').toLowerCase() && origin !== 'null';
  }
}

/** A request target (or an Origin) as a URL; undefined for one URL cannot read (Node's parser lets some through). */
function parseTarget(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://dashboard.invalid');
  } catch {
    return undefined;
  }
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
