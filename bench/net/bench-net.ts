import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadOrCreateIdentity } from '@cell/net';
import { connect } from '@cell/sdk';
import { nucleusContract } from '@cell/host';
import { median, round } from '../lib/stats.ts';
import { pinningPrefix, runJson, startReady, stopAll } from '../lib/processes.ts';
import { interleavedRounds, type Sample } from '../lib/rounds.ts';
import { netnsUnavailable, TestNetwork } from '../../test/net/netns.ts';
import { cellOn, makeNode, type TestNode, writeBootstrap, writeProvider } from '../../test/net/fixtures.ts';
import { CLI, killTree } from '../../test/e2e/helpers.ts';

const WORKER = fileURLToPath(new URL('../rpc/worker.ts', import.meta.url));
const SYSTEMS = ['raw_tcp', 'raw_tls', 'cell_axon', 'libp2p_stream'] as const;
const PORTS: Record<(typeof SYSTEMS)[number], number> = { raw_tcp: 9001, raw_tls: 9002, cell_axon: 9003, libp2p_stream: 9004 };

export interface NetOptions {
  rounds: number;
  calls: number;
  window: number;
  pipelineMs: number;
  log(line: string): void;
}

/** From starting a node until another node's nucleus resolves its cell by name. */
async function discoveryMs(net: TestNetwork, base: string, rounds: number, log: (l: string) => void): Promise<number[]> {
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const seeker = makeNode(net.host('h2'), base, `-seek${round}`);
    const provider = makeNode(net.host('h1'), base, `-prov${round}`);
    const lan = { discovery: ['mdns', 'gossip', 'dht'], port: 7700 };
    writeBootstrap(seeker, lan);
    writeProvider(provider, [seeker.key], lan);
    try {
      if (cellOn(net, seeker, ['mitosis', seeker.root, '--detach']).code !== 0) throw new Error('seeker did not start');
      if (cellOn(net, provider, ['build', provider.root]).code !== 0) throw new Error('provider did not build');
      const control = connect(nucleusContract, { socketPath: join(seeker.root, 'run', 'nucleus.sock') });
      const started = performance.now();
      const [cmd, ...args] = [...net.exec(provider.host), process.execPath, CLI, 'mitosis', provider.root, '--detach'];
      spawnSync(cmd!, args, { env: { ...process.env, CELL_HOME: provider.home } });
      let found = 0;
      while (found === 0 && performance.now() - started < 60_000) {
        found = (await control.resolve({ name: 'stock', major: 1, via: null, trusted: [provider.key] })).candidates.length;
        if (found === 0) await new Promise((r) => setTimeout(r, 20));
      }
      await control.$close();
      if (found === 0) throw new Error('the seeker never found stock');
      times.push(performance.now() - started);
      log(`net discovery ${round + 1}/${rounds}: found by name ${Math.round(times.at(-1)!)} ms after the node started`);
    } finally {
      for (const n of [seeker, provider] as TestNode[]) {
        cellOn(net, n, ['stop', n.root]);
        killTree(n.root);
      }
    }
  }
  return times;
}

/** Section `net`: remote calls between two network namespaces against raw TCP and raw TLS. */
export async function benchNet(opts: NetOptions): Promise<Record<string, unknown>> {
  const unavailable = netnsUnavailable();
  if (unavailable) return { skipped: unavailable };
  const { prefix: pin, note } = pinningPrefix();
  const base = mkdtempSync(join(tmpdir(), 'cell-bench-net-'));
  const net = TestNetwork.create(2);
  const servers: ChildProcess[] = [];
  let result: Record<(typeof SYSTEMS)[number], Sample>;
  const setup: Record<string, number> = {};
  let discovery: number[];
  try {
    const [server, client] = await Promise.all([loadOrCreateIdentity(join(base, 'server')), loadOrCreateIdentity(join(base, 'client'))]);
    process.env['BENCH_SERVER_IDENTITY'] = server.file;
    process.env['BENCH_CLIENT_IDENTITY'] = client.file;
    const on = (host: 'h1' | 'h2') => [...pin, ...net.exec(net.host(host))];
    for (const name of SYSTEMS) servers.push(await startReady(on('h1'), [WORKER, 'serve', name, `0.0.0.0:${PORTS[name]}`]));
    const target = (name: (typeof SYSTEMS)[number]) => `10.77.0.1:${PORTS[name]}`;
    result = await interleavedRounds(
      'net',
      SYSTEMS,
      opts.rounds,
      (name) => runJson<Sample>(on('h2'), [WORKER, 'client', name, target(name), String(opts.calls), String(opts.window), String(opts.pipelineMs)]),
      opts.log,
    );
    for (const name of ['raw_tls', 'cell_axon'] as const) {
      setup[name] = round((await runJson<{ setup_ms: number }>(on('h2'), [WORKER, 'setup', name, target(name), '50'])).setup_ms, 2);
    }
    await stopAll(servers);
    discovery = await discoveryMs(net, base, Math.min(3, opts.rounds), opts.log);
  } finally {
    await stopAll(servers);
    net.destroy();
    rmSync(base, { recursive: true, force: true });
  }
  const tls = result.raw_tls;
  const cellRemote = result.cell_axon;
  const ratios = {
    cell_p50_vs_tls: round(cellRemote.p50_us / tls.p50_us, 2),
    cell_rps_vs_tls: round(cellRemote.rps_pipelined / tls.rps_pipelined, 2),
    tls_p50_vs_tcp: round(tls.p50_us / result.raw_tcp.p50_us, 2),
    libp2p_p50_vs_tls: round(result.libp2p_stream.p50_us / tls.p50_us, 2),
    libp2p_rps_vs_tls: round(result.libp2p_stream.rps_pipelined / tls.rps_pipelined, 2),
  };
  return {
    ...result,
    connection_setup_ms: { raw_tls: setup['raw_tls'], cell_axon: setup['cell_axon'] },
    discovery_by_name_ms: round(median(discovery)),
    ratios,
    targets: { 'cell p50 <= 1.5x raw TLS': ratios.cell_p50_vs_tls <= 1.5, 'cell pipelined >= 0.7x raw TLS': ratios.cell_rps_vs_tls >= 0.7 },
    method: {
      hosts: 'two Linux network namespaces on one bridge (10.77.0.1 serves, 10.77.0.2 calls)',
      pinning: note,
      isolation: 'client and server of each system in their own processes, each loading only that system',
      rounds: opts.rounds,
      statistic: 'median over interleaved rounds',
      systems: {
        raw_tcp: 'node:net TCP, Cell framing + msgpackr, no SDK',
        raw_tls: 'TLS 1.3, pinned Ed25519 keys (the axon handshake), Cell framing + msgpackr, no SDK',
        cell_axon: 'Cell membrane serving over its axon; synapse pinned to the server key; input validated',
        libp2p_stream: 'js-libp2p 3 stream (TCP + Noise + Yamux), Cell framing + msgpackr, no SDK: the data plane not chosen',
      },
      connection_setup: 'median of 50: TCP connect + TLS 1.3 handshake (+ Cell HELLO for cell_axon)',
      discovery: 'spawn of `cell mitosis --detach` on one host until the other node resolves the cell by name (mDNS + gossip; build cached)',
    },
  };
}
