import { request } from 'node:http';
import { connect as tcp } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TreeStatus } from '@cell/host';
import { createLogger } from '@cell/sdk';
import { type CallRoutes, DashboardServer, MAX_WATCHERS } from './dashboard-server.ts';
import type { DashboardSource } from './dashboard-events.ts';
import { LogFeed } from './log-feed.ts';

const quiet = createLogger({ level: 'silent' });
const servers: DashboardServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const STATUS = { version: 1, root: '/trees/t', nucleus: { pid: 1, startedAt: 0, uptimeMs: 1, phase: 'running' }, cells: [], gateway: null, metrics: null, dashboard: null, network: null } as unknown as TreeStatus;

/** A dashboard over a fixed tree; what reaches the call routes is recorded. */
async function open(options: { requireToken?: boolean } = {}) {
  const logs = new LogFeed(10);
  logs.push('{"level":"info","msg":"hello"}\n');
  const called: string[] = [];
  const source: DashboardSource = { fullStatus: async () => STATUS, spans: async () => ({ spans: [] }), spansPerReplica: 10, genome: async (cell) => (cell === 'orders' ? ({ name: 'orders' } as never) : undefined), dependencies: () => [], logs };
  const calls: CallRoutes = {
    answer: (_req, res, path) => {
      called.push(path);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    },
  };
  const server = await DashboardServer.open({ host: '127.0.0.1', port: 0 }, source, calls, quiet, options);
  servers.push(server);
  return { server, called, logs };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function http(server: DashboardServer, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address.port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Opens the event stream; resolves with the response once its head arrived, the first chunk read. */
function watch(server: DashboardServer, headers: Record<string, string> = {}): Promise<{ status: number; first: string; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address.port, path: '/api/events', headers, agent: false }, (res) => {
      if (res.statusCode !== 200) return resolve({ status: res.statusCode!, first: '', close: () => req.destroy() });
      res.setEncoding('utf8');
      res.once('data', (first: string) => resolve({ status: 200, first, close: () => req.destroy() }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('dashboard server on loopback', () => {
  it('serves its page with a strict content security policy, and its JSON', async () => {
    const { server } = await open();
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/`);
    const page = await http(server, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.body).toContain('<script type="module" src="/app.js">');
    expect((await http(server, '/app.js')).body).toContain('EventSource');
    expect(JSON.parse((await http(server, '/api/status')).body)).toEqual(STATUS);
    expect(JSON.parse((await http(server, '/api/genome?cell=orders')).body)).toEqual({ name: 'orders' });
    expect((await http(server, '/api/genome?cell=nope')).status).toBe(404);
  });

  it('refuses a Host that is not a loopback name (DNS rebinding), other paths and methods, and huge headers', async () => {
    const { server } = await open();
    expect((await http(server, '/', { headers: { host: 'evil.example:9465' } })).status).toBe(403);
    expect((await http(server, '/api/status', { headers: { host: 'localhost:1' } })).status).toBe(200);
    expect((await http(server, '/../../etc/passwd')).status).toBe(404);
    expect((await http(server, '/api/nothing')).status).toBe(404);
    expect((await http(server, '/', { method: 'DELETE' })).status).toBe(405);
    expect((await http(server, '/', { headers: { 'x-big': 'y'.repeat(20_000) } })).status).toBe(431);
  });

  it('takes calls only as JSON from its own page: a cross-site form, another Origin, or another path is refused', async () => {
    const { server, called } = await open();
    const origin = `http://127.0.0.1:${server.address.port}`;
    const json = { 'content-type': 'application/json' };
    expect((await http(server, '/api/call/orders/place', { method: 'POST', headers: { ...json, origin }, body: '{}' })).status).toBe(200);
    expect((await http(server, '/api/call/orders/place', { method: 'POST', headers: json, body: '{}' })).status).toBe(200); // curl sends no Origin
    expect((await http(server, '/api/call/orders/place', { method: 'POST', headers: { 'content-type': 'text/plain', origin }, body: '{}' })).status).toBe(403);
    expect((await http(server, '/api/call/orders/place', { method: 'POST', headers: { ...json, origin: 'http://evil.example' }, body: '{}' })).status).toBe(403);
    expect((await http(server, '/api/status', { method: 'POST', headers: json, body: '{}' })).status).toBe(404);
    // Behind a TLS proxy the page's Origin is https:// with the same host: still its own page.
    expect((await http(server, '/api/call/orders/place', { method: 'POST', headers: { ...json, origin: origin.replace('http:', 'https:') }, body: '{}' })).status).toBe(200);
    expect((await http(server, '/api/call/orders/place', { method: 'POST', headers: { ...json, origin: 'null' }, body: '{}' })).status).toBe(403);
    expect(called).toEqual(['/orders/place', '/orders/place', '/orders/place']);
  });

  it('refuses what a page on another site asks (fetch metadata), even on loopback', async () => {
    const { server } = await open();
    expect((await http(server, '/api/events', { headers: { 'sec-fetch-site': 'cross-site' } })).status).toBe(403);
    expect((await http(server, '/api/status', { headers: { 'sec-fetch-site': 'same-site' } })).status).toBe(403);
    expect((await http(server, '/api/status', { headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(200);
    expect((await http(server, '/', { headers: { 'sec-fetch-site': 'none' } })).status).toBe(200); // typed in the address bar
  });

  it('answers 400 to a request target URL cannot read, and keeps serving (no crash)', async () => {
    const { server } = await open();
    for (const target of ['http://a:99999/', '//[']) {
      const reply = await new Promise<string>((resolve) => {
        let text = '';
        const s = tcp(server.address.port, '127.0.0.1', () => s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`));
        s.setEncoding('utf8');
        s.on('data', (d: string) => (text += d));
        s.on('close', () => resolve(text));
        s.on('error', () => resolve(text));
      });
      expect(reply, target).toMatch(/^HTTP\/1\.1 (400)/);
    }
    expect((await http(server, '/api/status')).status).toBe(200);
  });

  it(`streams events to at most ${MAX_WATCHERS} browsers, refusing more with 503, and still answers the rest`, async () => {
    const { server } = await open();
    const streams = [];
    for (let i = 0; i < MAX_WATCHERS; i++) streams.push(await watch(server));
    expect(streams.every((s) => s.status === 200)).toBe(true);
    expect(streams[0]!.first).toContain('event: logs');
    expect(streams[0]!.first).toContain('hello');
    expect((await watch(server)).status).toBe(503);
    expect((await http(server, '/api/status')).status).toBe(200);
    for (const s of streams) s.close();
    const deadline = Date.now() + 5000;
    let again = await watch(server);
    while (again.status !== 200 && Date.now() < deadline) again = await watch(server);
    expect(again.status).toBe(200);
    again.close();
  });

  it('drops a connection that sends garbage instead of HTTP, and keeps serving', async () => {
    const { server } = await open();
    await new Promise<void>((resolve) => {
      const s = tcp(server.address.port, '127.0.0.1', () => s.end(Buffer.from([0, 1, 2, 255, 13, 10, 13, 10])));
      s.on('close', () => resolve());
      s.on('error', () => resolve());
      s.resume();
    });
    expect((await http(server, '/api/status')).status).toBe(200);
  });
});

describe('dashboard server that needs a token (bound beyond loopback)', () => {
  it('refuses without it or with a wrong one; takes it in the URL (then a cookie) or as a bearer', async () => {
    const { server } = await open({ requireToken: true });
    const token = server.token!;
    expect(token).toMatch(/^[\w-]{32}$/);
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/?token=${token}`);
    expect((await http(server, '/')).status).toBe(401);
    expect((await http(server, `/?token=${token}x`)).status).toBe(401);
    expect((await http(server, '/api/events')).status).toBe(401);
    const page = await http(server, `/?token=${token}`);
    expect(page.status).toBe(200);
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^cell_dashboard_${server.address.port}=[\\w-]+; HttpOnly; SameSite=Strict; Path=/`)); // per port: cookies are per host
    expect((await http(server, '/api/status', { headers: { cookie: cookie.split(';')[0]! } })).status).toBe(200);
    expect((await http(server, '/api/status', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await http(server, '/api/status', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });
});
