// The HTTP door against a plain node:http handler (the raw baseline) and fastify, in one run: the
// same POST /orders/place (JSON body checked against one schema, JSON answer) over keep-alive
// connections. The door also carries each call to the cell's process over its Unix socket.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinSelf, startReady, stopAll } from '../lib/processes.ts';
import { median, quantile, round } from '../lib/stats.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/cell.mjs', import.meta.url));
const SERVERS = fileURLToPath(new URL('./http-servers.ts', import.meta.url));

export interface GatewayBenchOptions {
  rounds: number;
  /** Requests per latency measure (one at a time). */
  calls: number;
  /** Requests in flight for the throughput measure (one keep-alive connection each). */
  concurrency: number;
  log: (line: string) => void;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** A tree with one cell serving orders.place, and a [gateway] on `port`. */
function writeTree(port: number): string {
  const root = mkdtempSync(join(tmpdir(), 'cell-bench-gateway-'));
  const dir = join(root, 'cells', 'orders', 'src');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(root, 'cell.toml'), `[cell]\nname = "bench"\nversion = "1.0.0"\n[gateway]\nlisten = "127.0.0.1:${port}"\ncells = ["orders"]\n`);
  writeFileSync(join(root, 'cells', 'orders', 'cell.toml'), '[cell]\nname = "orders"\nversion = "1.0.0"\nentry = "src/main.ts"\n');
  writeFileSync(
    join(dir, 'contract.ts'),
    "import { defineContract, Type, unary } from '@cell/sdk';\nexport const contract = defineContract({ name: 'orders', version: '1.0.0', methods: { place: unary({ input: Type.Object({ sku: Type.String(), qty: Type.Integer({ minimum: 1 }) }), output: Type.Object({ id: Type.String(), qty: Type.Integer() }) }) } });\n",
  );
  writeFileSync(
    join(dir, 'main.ts'),
    "import { serve } from '@cell/sdk';\nimport { contract } from './contract.ts';\nlet placed = 0;\nawait serve(contract, { place: ({ sku, qty }) => ({ id: `${sku}-${++placed}`, qty }) });\n",
  );
  return root;
}

const BODY = JSON.stringify({ sku: 'mug', qty: 2 });

function post(agent: Agent, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/orders/place', agent, headers: { 'content-type': 'application/json', 'content-length': BODY.length } }, (res) => {
      res.resume();
      res.once('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.once('error', reject);
    req.end(BODY);
  });
}

/** One at a time: each request's time, µs. */
async function latency(port: number, calls: number): Promise<Float64Array> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times = new Float64Array(calls);
  try {
    for (let i = 0; i < 200; i++) await post(agent, port); // warm-up
    for (let i = 0; i < calls; i++) {
      const t = performance.now();
      await post(agent, port);
      times[i] = (performance.now() - t) * 1000;
    }
  } finally {
    agent.destroy();
  }
  return times.sort();
}

/** `concurrency` requests in flight until `total` are answered: requests per second. */
async function throughput(port: number, total: number, concurrency: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  let sent = 0;
  try {
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < total) {
          sent++;
          await post(agent, port);
        }
      }),
    );
    return total / ((performance.now() - started) / 1000);
  } finally {
    agent.destroy();
  }
}

export async function benchGateway(options: GatewayBenchOptions): Promise<Record<string, unknown>> {
  const pinned = pinSelf('0');
  const children: ChildProcess[] = [];
  const port = await freePort();
  const root = writeTree(port);
  try {
    execFileSync(process.execPath, ['--conditions=cell-source', CLI, 'mitosis', root, '--detach'], { stdio: 'inherit' });
    const ports: Record<string, number> = { door: port, plain: await freePort(), fastify: await freePort() };
    for (const kind of ['plain', 'fastify']) children.push(await startReady([], [SERVERS, kind, String(ports[kind])]));
    const names = ['plain', 'fastify', 'door'];
    const p50: Record<string, number[]> = { plain: [], fastify: [], door: [] };
    const p99: Record<string, number[]> = { plain: [], fastify: [], door: [] };
    const rps: Record<string, number[]> = { plain: [], fastify: [], door: [] };
    for (let r = 0; r < options.rounds; r++) {
      for (const name of names) {
        const times = await latency(ports[name]!, options.calls);
        p50[name]!.push(quantile(times, 0.5));
        p99[name]!.push(quantile(times, 0.99));
        rps[name]!.push(await throughput(ports[name]!, options.calls * 2, options.concurrency));
      }
      options.log(`gateway round ${r + 1}/${options.rounds}: door ${round(median(rps['door']!), 0)} req/s, node:http ${round(median(rps['plain']!), 0)}, fastify ${round(median(rps['fastify']!), 0)}`);
    }
    const fig = (name: string) => ({ p50Us: round(median(p50[name]!)), p99Us: round(median(p99[name]!)), requestsPerSecond: round(median(rps[name]!), 0) });
    const door = fig('door');
    const plain = fig('plain');
    const fastify = fig('fastify');
    return {
      note: `${pinned.note.startsWith('pinned') ? 'client, nucleus, cell and baseline servers pinned to CPU 0 (taskset)' : pinned.note}; ${options.rounds} interleaved rounds, medians; latency: ${options.calls} requests one at a time; throughput: ${options.calls * 2} requests, ${options.concurrency} in flight over keep-alive connections. The door parses, checks and carries each call to a cell process over its Unix socket (one hop more than the baselines, which answer in-process).`,
      door,
      nodeHttp: plain,
      fastify,
      ratios: {
        p50VsNodeHttp: round(door.p50Us / plain.p50Us, 2),
        throughputVsNodeHttp: round(door.requestsPerSecond / plain.requestsPerSecond, 2),
        p50VsFastify: round(door.p50Us / fastify.p50Us, 2),
        throughputVsFastify: round(door.requestsPerSecond / fastify.requestsPerSecond, 2),
      },
    };
  } finally {
    await stopAll(children);
    try {
      execFileSync(process.execPath, ['--conditions=cell-source', CLI, 'stop', root], { stdio: 'ignore' });
    } catch {
      // already stopped
    }
    rmSync(root, { recursive: true, force: true });
    pinned.restore();
  }
}
