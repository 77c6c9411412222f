import { request } from 'node:http';
import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@cell/sdk';
import { MAX_CONNECTIONS, MetricsServer } from './metrics-server.ts';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const quiet = createLogger({ level: 'silent' });

async function open(render: () => Promise<{ contentType: string; body: string }> = async () => ({ contentType: 'text/plain; version=0.0.4', body: 'up 1\n' })) {
  const server = await MetricsServer.open({ host: '127.0.0.1', port: 0 }, render, quiet);
  servers.push(server);
  return server;
}

function get(server: MetricsServer, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.address.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('MetricsServer', () => {
  it('answers GET /metrics with what it renders, HEAD with its headers only', async () => {
    const server = await open();
    expect(server.url).toBe(`http://127.0.0.1:${server.address.port}/metrics`);
    const r = await get(server, '/metrics');
    expect(r).toMatchObject({ status: 200, body: 'up 1\n', headers: { 'content-type': 'text/plain; version=0.0.4', 'cache-control': 'no-store' } });
    expect(await get(server, '/metrics?x=1', { method: 'HEAD' })).toMatchObject({ status: 200, body: '' });
  });

  it('refuses other paths (404), other methods (405, with Allow) and non-loopback Host names on loopback (403: DNS rebinding)', async () => {
    const server = await open();
    expect((await get(server, '/')).status).toBe(404);
    expect((await get(server, '/../metrics')).status).toBe(404);
    expect(await get(server, '/metrics', { method: 'POST' })).toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
    expect((await get(server, '/metrics', { headers: { host: 'attacker.example:9464' } })).status).toBe(403);
    expect((await get(server, '/metrics', { headers: { host: `localhost:${server.address.port}` } })).status).toBe(200);
  });

  it('answers a request with huge headers 431 and drops garbage, and keeps serving', async () => {
    const server = await open();
    expect((await get(server, '/metrics', { headers: { 'x-big': 'y'.repeat(20 * 1024) } })).status).toBe(431);
    await new Promise<void>((resolve) => {
      const s = connect(server.address.port, '127.0.0.1', () => s.end('NOT HTTP AT ALL\r\n\r\n')).resume();
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    expect((await get(server, '/metrics')).status).toBe(200);
  });

  it('renders once for scrapes that arrive together, and says 500 when rendering fails', async () => {
    let renders = 0;
    let fail = false;
    const server = await open(async () => {
      renders++;
      await new Promise((r) => setTimeout(r, 50));
      if (fail) throw new Error('status unavailable');
      return { contentType: 'text/plain', body: `renders ${renders}\n` };
    });
    const all = await Promise.all(Array.from({ length: 8 }, () => get(server, '/metrics')));
    expect(renders).toBe(1);
    expect(new Set(all.map((r) => r.body))).toEqual(new Set(['renders 1\n']));
    fail = true;
    expect(await get(server, '/metrics')).toMatchObject({ status: 500, body: 'metrics failed: status unavailable\n' });
  });

  it('takes a free port when the one asked for is taken, and says where', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const lines: string[] = [];
      const log = createLogger({ level: 'warn', destination: { write: (l: string) => void lines.push(l) } });
      const server = await MetricsServer.open({ host: '127.0.0.1', port }, async () => ({ contentType: 'text/plain', body: '' }), log);
      servers.push(server);
      expect(server.address.port).not.toBe(port);
      expect((await get(server, '/metrics')).status).toBe(200);
      expect(lines.map((l) => JSON.parse(l) as Record<string, unknown>)).toEqual([expect.objectContaining({ msg: 'port taken; serving on a free one', endpoint: 'metrics' })]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('holds at most MAX_CONNECTIONS: a flood of idle connections is cut off, and scrapes work again once it is gone', async () => {
    const server = await open();
    const flood: Socket[] = [];
    const closed: Array<Promise<void>> = [];
    for (let i = 0; i < MAX_CONNECTIONS + 20; i++) {
      const s = connect(server.address.port, '127.0.0.1').resume();
      s.on('error', () => undefined);
      closed.push(new Promise((resolve) => s.on('close', () => resolve())));
      flood.push(s);
    }
    // the ones over the limit are closed by the server at once
    await Promise.race([Promise.all(closed.slice(-20)), new Promise((_, reject) => setTimeout(() => reject(new Error('extra connections were held')), 5000))]);
    expect(flood.filter((s) => !s.destroyed && !s.closed).length).toBeLessThanOrEqual(MAX_CONNECTIONS);
    for (const s of flood) s.destroy();
    await Promise.all(closed);
    expect((await get(server, '/metrics')).status).toBe(200);
  });
});
