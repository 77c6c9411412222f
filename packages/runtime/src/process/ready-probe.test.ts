import { createServer as createHttp } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { LOCAL_HOST } from './port-allocation.ts';
import { probeOnce } from './ready-probe.ts';

const defer = useTeardown();
const closing = (s: Server | ReturnType<typeof createHttp>) => defer(() => new Promise((r) => s.close(r)));

describe('probeOnce', () => {
  it('connects over TCP and Unix sockets, and fails where nothing listens', async () => {
    const tcp = createServer((s) => s.destroy());
    await new Promise<void>((r) => tcp.listen(0, LOCAL_HOST, r));
    closing(tcp);
    const port = (tcp.address() as { port: number }).port;
    expect(await probeOnce({ kind: 'tcp', port })).toBe(true);
    const path = join(tempDir(defer), 'x.sock');
    expect(await probeOnce({ kind: 'unix', path })).toBe(false);
    const unix = createServer((s) => s.destroy());
    await new Promise<void>((r) => unix.listen(path, r));
    closing(unix);
    expect(await probeOnce({ kind: 'unix', path })).toBe(true);
    await new Promise((r) => tcp.close(r));
    expect(await probeOnce({ kind: 'tcp', port })).toBe(false);
  });

  it('asks over HTTP: below 400 is ready, an error status or a server that never answers is not', async () => {
    let status = 503;
    const hang = new Set<unknown>();
    const http = createHttp((req, res) => {
      if (req.url === '/hang') return hang.add(res);
      res.writeHead(status).end();
    });
    await new Promise<void>((r) => http.listen(0, LOCAL_HOST, r));
    defer(() => http.closeAllConnections());
    closing(http);
    const base = `http://${LOCAL_HOST}:${(http.address() as { port: number }).port}`;
    expect(await probeOnce({ kind: 'http', url: `${base}/health` })).toBe(false);
    status = 204;
    expect(await probeOnce({ kind: 'http', url: `${base}/health` })).toBe(true);
    expect(await probeOnce({ kind: 'http', url: `${base}/hang` }, 200)).toBe(false);
  });

  it('runs a command: ready when it exits 0; a missing command or one that hangs is not', async () => {
    const base = { cwd: '/', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } };
    expect(await probeOnce({ kind: 'exec', command: ['sh', '-c', 'exit 0'], ...base })).toBe(true);
    expect(await probeOnce({ kind: 'exec', command: ['sh', '-c', 'exit 3'], ...base })).toBe(false);
    expect(await probeOnce({ kind: 'exec', command: ['/no/such/check'], ...base })).toBe(false);
    expect(await probeOnce({ kind: 'exec', command: ['sleep', '30'], ...base }, 200)).toBe(false);
  });
});
