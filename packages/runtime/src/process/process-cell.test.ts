// A tree with a process cell (a Python HTTP service, standard library only) and a Node cell that
// calls it at the address the nucleus gave it: real processes, real ports, real restarts.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive, type TreeStatus } from '@cell/host';
import { connectDynamic } from '@cell/sdk';
import { Nucleus } from '../nucleus/nucleus.ts';
import { capturedLogger, cellFiles, cellToml, tempDir, useTeardown, waitFor, within } from '../test-fixtures/temp-cells.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();
const SECRET = 's3cret-value';

/** What both Python servers share: a handler that answers JSON and logs nothing per request. */
const PY_JSON_HANDLER = `import json, os
from http.server import BaseHTTPRequestHandler, HTTPServer
class JsonHandler(BaseHTTPRequestHandler):
    def reply(self, value):
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, fmt, *args):
        pass
`;

const SERVER = `${PY_JSON_HANDLER}starts_file = os.path.join(os.environ['CELL_DATA'], 'starts')
starts = int(open(starts_file).read()) + 1 if os.path.exists(starts_file) else 1
open(starts_file, 'w').write(str(starts))
class Handler(JsonHandler):
    def do_GET(self):
        if self.path == '/crash':
            print('crashing on request', flush=True)
            os._exit(3)
        self.reply({'greeting': os.environ['GREETING'], 'port': int(os.environ['PORT']), 'starts': starts, 'token': len(os.environ.get('TOKEN', ''))})
print('greeter listening on', os.environ['PORT'], flush=True)
HTTPServer(('127.0.0.1', int(os.environ['PORT'])), Handler).serve_forever()
`;

const greeterToml = (greeting: string) => `[cell]
name = "greeter"
version = "1.0.0"
run = ["python3", "server.py"]
ports = ["http"]
url = "http://\${HOST}:\${PORT}"
env_file = ".env"
[env]
GREETING = "${greeting} from \${CELL_REPLICA}"
[secrets]
TOKEN = "token.txt"
[life_cycle]
ready = { http = "/health" }
grace = "2s"
restart = { max = 3, within = "60s", backoff = "50ms..200ms" }
`;

const APP_MAIN = `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
const greeter = process.env.CELL_DEP_GREETER_URL;
await serve(contract, {
  whoami: () => ({ pid: process.pid, replica: process.env.CELL_REPLICA ?? '', build: greeter ?? '' }),
  greet: async () => {
    const r = await fetch(greeter + '/hello');
    return { status: r.status, body: await r.text() };
  },
  crashGreeter: async () => {
    await fetch(greeter + '/crash').catch(() => undefined);
    return { status: 0, body: '' };
  },
});
`;

function treeFiles(): Record<string, string> {
  const app = cellFiles('cells/app', 'app', {
    extra: '[deps]\ngreeter = "../greeter"\n[life_cycle]\ngrace = "1s"\n',
    extraMethods: `greet: unary({ input: Type.Object({}), output: Type.Object({ status: Type.Integer(), body: Type.String() }) }),
    crashGreeter: unary({ input: Type.Object({}), output: Type.Object({ status: Type.Integer(), body: Type.String() }) }),`,
  });
  return {
    'cell.toml': cellToml('tree', { entry: false }),
    ...app,
    'cells/app/src/main.ts': APP_MAIN,
    'cells/greeter/cell.toml': greeterToml('hello'),
    'cells/greeter/server.py': SERVER,
    'cells/greeter/.env': 'GREETING_WORD=unused\n',
    'cells/greeter/token.txt': `${SECRET}\n`,
  };
}

const cellOf = (s: TreeStatus, name: string) => s.cells.find((c) => c.name === name)!;

describe('a process cell in a tree', () => {
  let root: string;
  let nucleus: Nucleus;
  let lines: ReturnType<typeof capturedLogger>['lines'];
  const app = () => {
    const client = connectDynamic({ socketPath: join(root, 'cells/app/run/app-0.sock'), timeoutMs: 10_000 });
    defer(() => client.$close());
    return client;
  };
  const greet = async () => {
    const r = (await app().call('greet', {})) as { status: number; body: string };
    expect(r.status).toBe(200);
    return JSON.parse(r.body) as { greeting: string; port: number; starts: number; token: number };
  };

  beforeAll(async () => {
    root = tempDir(deferAll, treeFiles());
    chmodSync(join(root, 'cells/greeter/token.txt'), 0o600);
    const captured = capturedLogger();
    lines = captured.lines;
    nucleus = Nucleus.create({ root, logger: captured.logger, typecheck: false });
    deferAll(() => within(nucleus.stop(), 20_000, 'the tree to stop').catch(() => nucleus.kill()));
    await within(nucleus.start(), 90_000, 'the tree to start');
  }, 120_000);

  it('starts the process cell first, ready on its health check, and its dependent calls it at the address it was given', async () => {
    const s = nucleus.status();
    expect(cellOf(s, 'greeter')).toMatchObject({ state: 'ready' });
    expect(cellOf(s, 'app')).toMatchObject({ state: 'ready' });
    const body = await greet();
    expect(body).toMatchObject({ greeting: 'hello from greeter-0', starts: 1, token: SECRET.length });
    expect(body.port).toBeGreaterThan(0);
    expect((await app().call('whoami', {})) as { build: string }).toMatchObject({ build: `http://127.0.0.1:${body.port}` });
  });

  it("turns the process's output into the cell's JSON log lines, and never logs a secret", async () => {
    const log = await waitFor('the greeter log line', () => {
      const text = readFileSync(join(root, 'cells/greeter/log/greeter-0.log'), 'utf8');
      return text.includes('greeter listening on') && text;
    });
    const line = log.split('\n').find((l) => l.includes('greeter listening on'))!;
    expect(JSON.parse(line)).toMatchObject({ cell: 'greeter', replica: 'greeter-0', component: 'stdout', level: 'info' });
    expect(log).not.toContain(SECRET);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
    expect(JSON.stringify(await nucleus.fullStatus())).not.toContain(SECRET);
  });

  it('restarts it after a crash on the same port, its data directory kept', async () => {
    const before = await greet();
    const pid = cellOf(nucleus.status(), 'greeter').replicas[0]!.pid!;
    await app().call('crashGreeter', {});
    await waitFor('the greeter to restart', () => {
      const r = cellOf(nucleus.status(), 'greeter').replicas[0]!;
      return r.state === 'ready' && r.pid !== pid && r;
    });
    const r = cellOf(nucleus.status(), 'greeter').replicas[0]!;
    expect(r).toMatchObject({ restarts: 1, lastExit: { code: 3, reason: 'crash' } });
    expect(await greet()).toMatchObject({ port: before.port, starts: before.starts + 1 });
    expect(readFileSync(join(root, 'cells/greeter/data/starts'), 'utf8')).toBe(String(before.starts + 1));
  });

  it('takes a changed environment on reload', async () => {
    writeFileSync(join(root, 'cells/greeter/cell.toml'), greeterToml('bonjour'));
    const sup = nucleus.find('greeter')!;
    expect(await nucleus.reload(sup)).toMatchObject({ replaced: 1 });
    expect(await greet()).toMatchObject({ greeting: 'bonjour from greeter-0' });
  });

  it('stops it with the tree: nothing is left running', async () => {
    const pid = cellOf(nucleus.status(), 'greeter').replicas[0]!.pid!;
    expect(isProcessAlive(pid)).toBe(true);
    await within(nucleus.stop(), 20_000, 'the tree to stop');
    expect(isProcessAlive(pid)).toBe(false);
  });
});

describe('process cells that cannot serve', () => {
  const start = async (toml: string, files: Record<string, string> = {}) => {
    const root = tempDir(defer, { 'cell.toml': cellToml('tree', { entry: false }), 'cells/bad/cell.toml': toml, ...files });
    const { logger } = capturedLogger();
    const nucleus = Nucleus.create({ root, logger, typecheck: false });
    defer(() => within(nucleus.stop(), 20_000, 'the tree to stop').catch(() => nucleus.kill()));
    await within(nucleus.start(), 60_000, 'the tree to start');
    return nucleus;
  };
  const bad = (n: Nucleus) => cellOf(n.status(), 'bad');

  it('a missing executable fails at once, with why, and is not restarted', async () => {
    const n = await start('[cell]\nname = "bad"\nversion = "1.0.0"\nrun = ["./missing-server", "--port", "${PORT}"]\nports = ["http"]\n');
    expect(n.failedCells()).toEqual(['bad']);
    expect(bad(n).replicas[0]!).toMatchObject({ state: 'failed', restarts: 0 });
    expect(bad(n).failure).toMatch(/^cannot start: cell bad: run\[0\] "\.\/missing-server" does not exist/);
  });

  it('a fixed port that is taken fails the cell, naming the port', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    defer(() => new Promise((r) => taken.close(r)));
    const port = (taken.address() as { port: number }).port;
    const n = await start(`[cell]\nname = "bad"\nversion = "1.0.0"\nrun = ["sleep", "600"]\nports = { http = ${port} }\n`);
    expect(n.failedCells()).toEqual(['bad']);
    expect(bad(n).failure).toBe(`cell bad: port http = ${port} is already in use on 127.0.0.1`);
    expect(bad(n).replicas[0]).toMatchObject({ state: 'failed', pid: null });
  });

  it('a variable that is not set fails at once, naming it', async () => {
    const n = await start('[cell]\nname = "bad"\nversion = "1.0.0"\nrun = ["sleep", "${NAP_SECONDS}"]\n');
    expect(bad(n).failure).toBe('cannot start: cell bad: run[1] names ${NAP_SECONDS}, which is not set (set it in [env], or write ${NAP_SECONDS:-default})');
  });

  it('one that never becomes ready is killed, restarted with backoff, then failed', async () => {
    const n = await start(
      '[cell]\nname = "bad"\nversion = "1.0.0"\nrun = ["sleep", "600"]\nports = ["http"]\n[life_cycle]\nready_timeout = "200ms"\nrestart = { max = 1, within = "60s", backoff = "50ms..50ms" }\n',
    );
    expect(n.failedCells()).toEqual(['bad']);
    expect(bad(n).replicas[0]!).toMatchObject({ state: 'failed', restarts: 1 });
    expect(bad(n).failure).toContain('did not become ready in time');
  });
});

const ACTIVATED_SERVER = `${PY_JSON_HANDLER}import socket
assert os.environ['LISTEN_PID'] == str(os.getpid()), 'LISTEN_PID is not this process'
class Handler(JsonHandler):
    def do_GET(self):
        self.reply({'pid': os.getpid(), 'fds': int(os.environ['LISTEN_FDS']), 'names': os.environ['LISTEN_FDNAMES']})
server = HTTPServer(('127.0.0.1', 0), Handler, bind_and_activate=False)
server.socket = socket.socket(fileno=3)  # systemd socket activation: the listening socket is fd 3
print('serving on the socket it was given', flush=True)
server.serve_forever()
`;

/** One GET on its own connection (closed after the answer, so the door sees it end). */
function getOnce(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a socket-activated process cell (LISTEN_FDS)', () => {
  it('starts on the first connection, none refused, stops after its idle timeout, and starts again on the next', async () => {
    const toml = '[cell]\nname = "lazy"\nversion = "1.0.0"\nrun = ["python3", "server.py"]\nports = ["http"]\n[life_cycle]\nactivation = "socket"\nidle_timeout = "400ms"\ngrace = "1s"\n';
    const root = tempDir(defer, { 'cell.toml': cellToml('tree', { entry: false }), 'cells/lazy/cell.toml': toml, 'cells/lazy/server.py': ACTIVATED_SERVER });
    const nucleus = Nucleus.create({ root, logger: capturedLogger().logger, typecheck: false });
    defer(() => within(nucleus.stop(), 20_000, 'the tree to stop').catch(() => nucleus.kill()));
    await within(nucleus.start(), 60_000, 'the tree to start');
    const lazy = () => cellOf(nucleus.status(), 'lazy');
    expect(lazy()).toMatchObject({ state: 'idle', replicas: [{ state: 'idle', pid: null }] });
    const port = lazy().replicas[0]!.ports['http']!;

    // Six connections at once while nothing runs: the first starts it, all are served by it.
    const first = await Promise.all(Array.from({ length: 6 }, () => getOnce(port)));
    const bodies = first.map((r) => JSON.parse(r.body) as { pid: number; fds: number; names: string });
    expect(first.every((r) => r.status === 200)).toBe(true);
    expect(new Set(bodies.map((b) => b.pid)).size).toBe(1);
    expect(bodies[0]).toMatchObject({ fds: 1, names: 'http' });
    expect(lazy().replicas[0]).toMatchObject({ state: 'ready', pid: bodies[0]!.pid });

    await waitFor('the idle stop', () => lazy().state === 'idle', 10_000);
    expect(lazy().replicas[0]).toMatchObject({ pid: null, lastExit: { reason: 'idle' } });
    expect(isProcessAlive(bodies[0]!.pid)).toBe(false);

    const again = JSON.parse((await getOnce(port)).body) as { pid: number };
    expect(again.pid).not.toBe(bodies[0]!.pid);
  });
});
