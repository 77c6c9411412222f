import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { round } from '../lib/stats.ts';
import { interleavedRounds, type Sample } from '../lib/rounds.ts';
import { pinningPrefix, runJson, startReady, stopAll } from '../lib/processes.ts';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const SYSTEM_NAMES = ['baseline_uds', 'cell_uds', 'cell_uds_unobserved', 'moleculer_tcp', 'grpc_js'] as const;

export interface RpcOptions {
  rounds: number;
  calls: number;
  window: number;
  pipelineMs: number;
  log(line: string): void;
}

/** Section `rpc` of the results: each system's medians over interleaved rounds, plus ratios. */
export async function benchRpc(opts: RpcOptions): Promise<Record<string, unknown>> {
  const { prefix, note } = pinningPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'cell-bench-'));
  const tcpPort = 20_000 + Math.floor(Math.random() * 20_000);
  const address = (name: string) => (name === 'moleculer_tcp' ? String(tcpPort) : join(dir, `${name}.sock`));
  const servers: ChildProcess[] = [];
  let result: Record<(typeof SYSTEM_NAMES)[number], Sample>;
  try {
    for (const name of SYSTEM_NAMES) servers.push(await startReady(prefix, [WORKER, 'serve', name, address(name)]));
    result = await interleavedRounds(
      'rpc',
      SYSTEM_NAMES,
      opts.rounds,
      (name) => runJson<Sample>(prefix, [WORKER, 'client', name, address(name), String(opts.calls), String(opts.window), String(opts.pipelineMs)]),
      opts.log,
    );
  } finally {
    await stopAll(servers);
    rmSync(dir, { recursive: true, force: true });
  }
  const b = result.baseline_uds;
  const c = result.cell_uds;
  const ratios = {
    cell_p50_vs_baseline: round(c.p50_us / b.p50_us, 2),
    cell_p99_vs_baseline: round(c.p99_us / b.p99_us, 2),
    cell_rps_vs_baseline: round(c.rps_pipelined / b.rps_pipelined, 2),
    cell_rps_vs_moleculer: round(c.rps_pipelined / result.moleculer_tcp.rps_pipelined, 2),
    cell_rps_vs_grpc: round(c.rps_pipelined / result.grpc_js.rps_pipelined, 2),
    // What observing calls costs (counting them for the metrics, keeping them as spans): the same cell with and without, in this run.
    observed_p50_vs_unobserved: round(c.p50_us / result.cell_uds_unobserved.p50_us, 2),
    observed_rps_vs_unobserved: round(c.rps_pipelined / result.cell_uds_unobserved.rps_pipelined, 2),
  };
  const targets = {
    'cell p50 <= 1.3x baseline': ratios.cell_p50_vs_baseline <= 1.3,
    'cell pipelined >= 0.8x baseline': ratios.cell_rps_vs_baseline >= 0.8,
    'cell pipelined >= 3x moleculer': ratios.cell_rps_vs_moleculer >= 3,
    'cell pipelined >= 3x grpc-js': ratios.cell_rps_vs_grpc >= 3,
    'counting calls and keeping spans costs p50 and pipelined within 5%': ratios.observed_p50_vs_unobserved <= 1.05 && ratios.observed_rps_vs_unobserved >= 0.95,
  };
  return {
    ...result,
    ratios,
    targets,
    method: {
      pinning: note,
      isolation: 'client and server of each system in their own processes, each loading only that system',
      rounds: opts.rounds,
      statistic: 'median over interleaved rounds',
      pingpong_calls: opts.calls,
      pipelined_ms: opts.pipelineMs,
      pipeline_window: opts.window,
      payload: '{ n: 42, text: "hello, cell" } echoed back',
      transports: {
        baseline_uds: 'node:net Unix socket, Cell framing + msgpackr, no SDK',
        cell_uds: 'Cell SDK serve/connect over its Unix socket (validation on, calls counted for the metrics and kept as spans, the defaults)',
        cell_uds_unobserved: 'the same, the cell told neither to count calls nor to keep spans (CELL_CALL_STATS=0, CELL_SPANS=0)',
        moleculer_tcp: 'Moleculer 0.15.2, TCP transporter on loopback, JSON serializer (default)',
        grpc_js: '@grpc/grpc-js 1.14.7 unary over a Unix socket, msgpackr codec',
      },
    },
  };
}
