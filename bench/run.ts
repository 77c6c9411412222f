// npm run bench [-- --only rpc,data,junction,runtime,gateway,net,capsid,publish,donate | network] [--rounds N] [--stream-mib N] [--calls N] [--window N] [--pipeline-ms N]
// (`--only typecheck` runs the type-check part of `runtime` alone, kept under runtime.typecheck.)
// Runs the benchmark sections, prints a table, and writes bench/results/latest.json (sections not
// run this time are kept from the previous file).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { benchRpc } from './rpc/bench-rpc.ts';
import { benchRuntime } from './runtime/bench-runtime.ts';
import { benchTypecheck } from './runtime/bench-typecheck.ts';
import { benchNet } from './net/bench-net.ts';
import { benchCapsid } from './capsid/bench-capsid.ts';
import { benchPublish } from './publish/bench-publish.ts';
import { benchDonate } from './net/bench-donate.ts';
import { benchGateway } from './gateway/bench-gateway.ts';
import { benchData } from './dataplane/bench-data.ts';
import { benchSharedMemory } from './dataplane/shared-memory.ts';

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string', default: '5' },
    calls: { type: 'string', default: '5000' },
    window: { type: 'string', default: '64' },
    'pipeline-ms': { type: 'string', default: '1500' },
    'stream-mib': { type: 'string', default: '1024' },
  },
});
const sections = new Set((values.only ?? 'rpc,data,junction,runtime,gateway,net,capsid,publish,donate').split(',').flatMap((s) => (s === 'network' ? ['net', 'capsid', 'publish', 'donate'] : [s])));
const resultsPath = new URL('./results/latest.json', import.meta.url);
const log = (line: string) => process.stderr.write(`${line}\n`);

const previous: Record<string, unknown> = existsSync(resultsPath) ? JSON.parse(readFileSync(resultsPath, 'utf8')) : {};
const results: Record<string, unknown> = { ...previous };

if (sections.has('rpc')) {
  const rpc = await benchRpc({ rounds: Number(values.rounds), calls: Number(values.calls), window: Number(values.window), pipelineMs: Number(values['pipeline-ms']), log });
  results['rpc'] = rpc;
  printRpc(rpc);
}

if (sections.has('data')) {
  const data = await benchData({ rounds: Number(values.rounds), streamBytes: Number(values['stream-mib']) * 2 ** 20, log });
  results['data'] = data;
  console.log(JSON.stringify({ cell_vs_raw: data['cell_vs_raw'], targets: data['targets'] }, null, 2));
}

if (sections.has('junction')) {
  const junction = await benchSharedMemory({ rounds: Number(values.rounds), log });
  results['junction'] = junction;
  console.log(JSON.stringify({ vs_socket: junction['vs_socket'] }, null, 2));
}

if (sections.has('runtime')) {
  const runtime = await benchRuntime({ rounds: Math.max(3, Number(values.rounds)), sizes: [50, 100], log });
  results['runtime'] = runtime;
  console.log(JSON.stringify(runtime, null, 2));
}

if (sections.has('typecheck') && !sections.has('runtime')) {
  const typecheck = await benchTypecheck({ rounds: Math.max(3, Number(values.rounds)), log });
  results['runtime'] = { ...(results['runtime'] as Record<string, unknown> | undefined), typecheck };
  console.log(JSON.stringify(typecheck, null, 2));
}

if (sections.has('gateway')) {
  const gateway = await benchGateway({ rounds: Math.max(3, Number(values.rounds)), calls: 2000, concurrency: 16, log });
  results['gateway'] = gateway;
  console.log(JSON.stringify(gateway, null, 2));
}

if (sections.has('net')) {
  const net = await benchNet({ rounds: Number(values.rounds), calls: Number(values.calls), window: Number(values.window), pipelineMs: Number(values['pipeline-ms']), log });
  results['net'] = net;
  console.log(JSON.stringify(net, null, 2));
}

if (sections.has('capsid')) {
  try {
    results['capsid'] = await benchCapsid({ rounds: Number(values.rounds), calls: 2000, log });
  } catch (err) {
    // No sandbox on this machine: record why instead of failing every other section.
    if ((err as { code?: string }).code !== 'CELL_E_CAPSID_UNAVAILABLE') throw err;
    results['capsid'] = { unavailable: (err as { details: { reasons: string[] } }).details.reasons };
  }
  console.log(JSON.stringify(results['capsid'], null, 2));
}

if (sections.has('publish')) {
  results['publish'] = await benchPublish({ rounds: Math.min(3, Number(values.rounds)), log });
  console.log(JSON.stringify(results['publish'], null, 2));
}

if (sections.has('donate')) {
  results['donate'] = await benchDonate({ rounds: Number(values.rounds), calls: 2000, log });
  console.log(JSON.stringify(results['donate'], null, 2));
}

results['machine'] = { node: process.version, cpu: cpus()[0]?.model, cores: cpus().length, date: new Date().toISOString() };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(resultsPath, `${JSON.stringify(results, null, 2)}\n`);
log(`wrote ${resultsPath.pathname}`);

function printRpc(rpc: Record<string, unknown>): void {
  const base = rpc['baseline_uds'] as { p50_us: number; p99_us: number; rps_pipelined: number };
  const rows = ['baseline_uds', 'cell_uds', 'cell_uds_unobserved', 'moleculer_tcp', 'grpc_js'].map((name) => {
    const r = rpc[name] as typeof base;
    return {
      system: name,
      'p50 µs': r.p50_us,
      'p99 µs': r.p99_us,
      'p50 ×base': (r.p50_us / base.p50_us).toFixed(2),
      'pipelined req/s': r.rps_pipelined,
      'req/s ×base': (r.rps_pipelined / base.rps_pipelined).toFixed(2),
    };
  });
  console.table(rows);
  console.log(JSON.stringify(rpc['targets']));
}
