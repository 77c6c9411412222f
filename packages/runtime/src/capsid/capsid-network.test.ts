import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useTeardown } from '../test-fixtures/temp-cells.ts';
import type { CapsidRunSpec } from './capsid-host.ts';
import { capsidNetworkUnavailable, listensOnTcp, openCapsidNetwork } from './capsid-network.ts';
import { capsidSkipReason, testCapsidHost } from './test-support/capsid-fixture.ts';

const defer = useTeardown();
const resources = { memoryBytes: 128 * 2 ** 20, cpu: 1, pids: 64 };

/** A Python HTTP server (standard library only) answering `/health` and `/` with its user, port from PORT; SIGINT ends it cleanly. */
const SERVER = `
import http.server, os, pwd, signal, sys
signal.signal(signal.SIGINT, lambda *_: (print("stopping on SIGINT", flush=True), sys.exit(0)))
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = pwd.getpwuid(os.getuid()).pw_name.encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
print("serving on", os.environ["PORT"], flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
`;

/** A Python client: fetches a URL and prints what came back, or the error's name. */
const CLIENT = `
import os, urllib.request
try: print("got", urllib.request.urlopen(os.environ["TARGET"], timeout=2).read().decode(), flush=True)
except Exception as e: print("failed", type(e).__name__, e, flush=True)
`;

function codeDir(root: string): string {
  const dir = join(root, 'code');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'server.py'), SERVER);
  writeFileSync(join(dir, 'client.py'), CLIENT);
  return dir;
}

async function output(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text;
}

const unavailable = capsidSkipReason() ?? capsidNetworkUnavailable();
// The ports below are fixed on purpose: each test's network namespace is its own, where nothing else can bind.

describe.skipIf(unavailable !== undefined)('a capsid network shared by process cells', () => {
  it('lets capsids of one network reach each other on TCP, hides it from capsids outside, and stops with the stop signal', async () => {
    const { host, root } = testCapsidHost(defer);
    const network = await openCapsidNetwork();
    defer(() => network.close());
    const code = codeDir(root);
    const base = (name: string): CapsidRunSpec => ({ cell: name, replica: `${name}-0`, codeDir: code, dataDir: join(root, 'data', name), resources, readyTimeoutMs: 20_000 });
    const server = await host.run({ ...base('web'), command: ['python3', 'server.py'], env: { PORT: '8080' }, network, ready: { kind: 'tcp', port: 8080 }, stopSignal: 'SIGINT' });
    defer(() => server.kill());
    let log = '';
    server.stdout.on('data', (c: Buffer) => (log += c.toString()));
    await server.ready;
    expect(listensOnTcp(server.pid, 8080)).toBe(true);
    expect(listensOnTcp(server.pid, 8081)).toBe(false);

    // Another process cell of the same network reaches it, and sees only its own user's name.
    const inside = await host.run({ ...base('client'), command: ['python3', 'client.py'], env: { TARGET: 'http://127.0.0.1:8080/' }, network });
    expect(await output(inside.stdout)).toBe('got cell\n');
    // One outside the network (a network of its own) does not.
    const outside = await host.run({ ...base('stranger'), command: ['python3', 'client.py'], env: { TARGET: 'http://127.0.0.1:8080/' } });
    expect(await output(outside.stdout)).toMatch(/^failed URLError .*Connection refused/);

    const exit = await server.drain(5000);
    expect(exit).toMatchObject({ code: 0, requested: true });
    expect(log).toContain('stopping on SIGINT');
  });

  it('waits for an HTTP path, a log line or a low port, and says so when a process never becomes ready', async () => {
    const { host, root } = testCapsidHost(defer);
    const network = await openCapsidNetwork();
    defer(() => network.close());
    const code = codeDir(root);
    const base = (name: string, port: string): CapsidRunSpec => ({
      cell: name,
      replica: `${name}-0`,
      codeDir: code,
      dataDir: join(root, 'data', name),
      resources,
      command: ['python3', 'server.py'],
      env: { PORT: port },
      network,
      readyTimeoutMs: 20_000,
    });
    const http = await host.run({ ...base('http', '8081'), ready: { kind: 'http', url: 'http://127.0.0.1:8081/health' } });
    defer(() => http.kill());
    await http.ready;
    const logged = await host.run({ ...base('logged', '8082'), ready: { kind: 'log', text: 'serving on 8082' } });
    defer(() => logged.kill());
    await logged.ready;
    // A port below 1024, as the sandbox user: the network is the placement's alone, where any port may be bound.
    const low = await host.run({ ...base('low', '81'), ready: { kind: 'tcp', port: 81 } });
    defer(() => low.kill());
    await low.ready;
    const never = await host.run({ ...base('never', '8083'), ready: { kind: 'tcp', port: 9999 }, readyTimeoutMs: 1500 });
    await expect(never.ready).rejects.toMatchObject({ code: 'CELL_E_TIMEOUT', message: expect.stringContaining('did not become ready within 1500 ms') });
    expect(await never.exited).toMatchObject({ unready: true });
  });

  it('gives a process cell an /etc/passwd naming only root and its own user, and refuses a capsid on a closed network', async () => {
    const { host, root } = testCapsidHost(defer);
    const network = await openCapsidNetwork();
    const code = codeDir(root);
    const cat = await host.run({ cell: 'cat', replica: 'cat-0', codeDir: code, dataDir: join(root, 'data', 'cat'), resources, command: ['cat', '/etc/passwd'] });
    const passwd = await output(cat.stdout);
    expect(passwd.split('\n').filter(Boolean).map((l) => l.split(':')[0])).toEqual(['root', 'cell']);
    expect(passwd).not.toEqual(readFileSync('/etc/passwd', 'utf8'));
    network.close();
    await expect(host.run({ cell: 'late', replica: 'late-0', codeDir: code, dataDir: join(root, 'data', 'late'), resources, command: ['true'], network })).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
  });
});
