// Section `data`: the data plane against the best raw code over the same Unix socket — small-call
// latency and pipelining, bulk echo, item and byte streams, connection setup and 1,000 concurrent
// connections; every figure also as a ratio to raw measured in the same run, with CPU per operation.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { CELL_BUNDLE_OPTIONS } from '@cell/runtime';
import { median, round } from '../lib/stats.ts';
import { pinningPrefix, runJson, startReady, stopAll } from '../lib/processes.ts';
import type { ClientPlan } from './worker.ts';
import { dataCellWake, idleAndCold } from './idle-cell.ts';
import { startDelayLine } from './delay-line.ts';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const SYSTEMS = ['raw', 'cell'] as const;
/** The far byte stream: 25 ms each way (a 50 ms round trip), 256 MiB. */
const FAR_DELAY_MS = 25;
const FAR_STREAM_BYTES = 256 << 20;
type SystemName = (typeof SYSTEMS)[number];
const SYSTEM_FILES: Record<SystemName, string> = { raw: here('./raw-data.ts'), cell: here('./cell-data.ts') };

/**
 * Bundles one worker per system with esbuild with the ribosome's options for a cell (the @cell
 * sources, ESM for Node 22, whitespace minified) and a require() shim: each process loads only its
 * own system, already compiled.
 */
async function bundleWorkers(dir: string): Promise<Record<SystemName, string>> {
  const out = {} as Record<SystemName, string>;
  for (const name of SYSTEMS) {
    const entry = join(dir, `${name}-entry.ts`);
    writeFileSync(entry, `import { runWorker } from ${JSON.stringify(here('./worker.ts'))};\nimport { ${name} } from ${JSON.stringify(SYSTEM_FILES[name])};\nawait runWorker(${name}, process.argv.slice(2));\n`);
    out[name] = join(dir, `${name}.mjs`);
    await build({
      entryPoints: [entry],
      outfile: out[name],
      ...CELL_BUNDLE_OPTIONS,
      conditions: [...CELL_BUNDLE_OPTIONS.conditions],
      banner: { js: "import { createRequire as __benchRequire } from 'node:module';\nconst require = __benchRequire(import.meta.url);" },
      logLevel: 'error',
    });
  }
  return out;
}
type Figures = Record<string, unknown>;
/** Settings and counts reported beside the figures, not compared. */
const COUNTS = new Set(['calls', 'window', 'connections', 'setup_warm_ups']);

export interface DataOptions {
  rounds: number;
  /** Bytes of the byte-stream measure (1 GiB by default). */
  streamBytes: number;
  log(line: string): void;
}

/** Every numeric leaf of `samples` (same shape), replaced by its median. */
function medianOf(samples: Figures[]): Figures {
  const out: Figures = {};
  for (const [key, value] of Object.entries(samples[0]!)) {
    if (typeof value === 'number') out[key] = round(median(samples.map((s) => s[key] as number)), 3);
    else if (value && typeof value === 'object') out[key] = medianOf(samples.map((s) => s[key] as Figures));
  }
  return out;
}

/** cell / raw for every numeric leaf; for times and CPU costs, higher is worse. */
function ratios(cell: Figures, raw: Figures): Figures {
  const out: Figures = {};
  for (const [key, value] of Object.entries(cell)) {
    if (COUNTS.has(key)) continue;
    if (typeof value === 'number' && typeof raw[key] === 'number') out[key] = round(value / (raw[key] as number), 2);
    else if (value && typeof value === 'object') out[key] = ratios(value as Figures, raw[key] as Figures);
  }
  return out;
}

export async function benchData(opts: DataOptions): Promise<Figures> {
  const { prefix, note } = pinningPrefix();
  const dir = mkdtempSync(join(tmpdir(), 'cell-bench-data-'));
  const socket = (name: string) => join(dir, `${name}.sock`);
  const plan: ClientPlan = {
    pingPongCalls: 5000,
    window: 64,
    ms: 1500,
    echoSizes: [64 << 10, 1 << 20, 16 << 20],
    items: 100_000,
    streamBytes: opts.streamBytes,
    streamChunk: 64 << 10,
    setups: 1000,
    firstSetups: 200,
    setupWarmUps: 20_000,
    setupWarmUpMaxMs: 20_000,
  };
  const servers: ChildProcess[] = [];
  const samples = new Map<string, Figures[]>(SYSTEMS.map((s) => [s, []]));
  let idle: Figures;
  // A cell under a nucleus is told where koffi is (CELL_KOFFI) and loads it to check local
  // callers' uids: these cells pay the same (a bundle in a temporary directory would not find it).
  process.env['CELL_KOFFI'] ??= createRequire(import.meta.url).resolve('koffi');
  try {
    const bundles = await bundleWorkers(dir);
    opts.log('data: idle memory and cold start');
    idle = await idleAndCold({ rounds: opts.rounds, bundle: bundles.cell, sourceEntry: join(dir, 'cell-entry.ts'), dir });
    opts.log('data: a sleeping cell woken by a call');
    idle['idle_cell_wake_ms'] = await dataCellWake(opts.rounds, opts.log);
    const pids: Record<string, number> = {};
    for (const name of SYSTEMS) {
      const server = await startReady(prefix, [bundles[name], 'serve', socket(name)]);
      servers.push(server);
      pids[name] = server.pid!;
    }
    for (let r = 0; r < opts.rounds; r++) {
      for (const name of r % 2 === 0 ? SYSTEMS : [...SYSTEMS].reverse()) {
        const figures = await runJson<Figures>(prefix, [bundles[name], 'client', socket(name), String(pids[name]), JSON.stringify(plan)]);
        // A fresh server, settled: its memory growth is the connections', not earlier rounds' garbage.
        const fresh = await startReady(prefix, [bundles[name], 'serve', socket(`${name}-fresh-${r}`)]);
        await new Promise((resolve) => setTimeout(resolve, 500));
        try {
          figures['connections_1000'] = await runJson<Figures>(prefix, [bundles[name], 'connections', socket(`${name}-fresh-${r}`), String(fresh.pid), '1000']);
          Object.assign(figures, await runJson<Figures>(prefix, [bundles[name], 'setup', socket(`${name}-fresh-${r}`), String(fresh.pid), JSON.stringify(plan)]));
        } finally {
          await stopAll([fresh]);
        }
        // The same stream from a server a 50 ms round trip away (a delay line in this process).
        const line = await startDelayLine(socket(`${name}-far`), socket(name), FAR_DELAY_MS);
        try {
          figures['byte_stream_far'] = await runJson<Figures>(prefix, [bundles[name], 'far', socket(`${name}-far`), String(pids[name]), String(FAR_STREAM_BYTES)]);
        } finally {
          await line.close();
        }
        samples.get(name)!.push(figures);
        opts.log(`data round ${r + 1}/${opts.rounds} ${name}: ${JSON.stringify(figures)}`);
      }
    }
  } finally {
    await stopAll(servers);
    rmSync(dir, { recursive: true, force: true });
  }
  const raw = medianOf(samples.get('raw')!);
  const cell = medianOf(samples.get('cell')!);
  const ratio = ratios(cell, raw) as Record<string, Record<string, number> & number>;
  const targets = {
    'small-call p50 <= 1.1x': ratio['small_p50_us']! <= 1.1,
    'pipelined >= 0.85x': ratio['pipelined']!['per_s']! >= 0.85,
    '64 KiB echo >= 0.7x': ratio['echo_64kib']!['mb_s']! >= 0.7,
    '1 MiB echo >= 0.85x': ratio['echo_1mib']!['mb_s']! >= 0.85,
    'byte stream >= 0.85x': ratio['byte_stream']!['mb_s']! >= 0.85,
    'setup <= 1.5x': ratio['setup_us']! <= 1.5,
  };
  const idleMemory = idle['idle_private_mib'] as Record<string, number>;
  const wake = idle['idle_cell_wake_ms'] as Record<string, number>;
  return {
    raw,
    cell,
    cell_vs_raw: ratio,
    ...idle,
    targets: { ...targets, 'idle private memory <= 1.5x bare node': idleMemory['bundled_idle_vs_bare']! <= 1.5, 'cold first reply of an idle cell <= 1.5x bare node start': wake['ratio']! <= 1.5 },
    method: {
      pinning: note,
      rounds: opts.rounds,
      statistic: 'median over rounds, raw and cell alternating which runs first',
      build: 'each side bundled with esbuild the way the ribosome bundles a cell (ESM, node22, @cell sources), one system per bundle',
      raw: 'the best raw code we could write: node:net Unix socket, Cell frame layout, msgpackr; callback-driven, one reused output buffer, bodies >= 64 KiB written after their header (writev), frames assembled with at most one copy; no handshake, validation, deadlines or flow control',
      cell: 'the SDK exactly as a cell uses it: serve()/connect() with a contract, validation on, generators for streams, for await on the caller',
      warm_up: 'every measure runs after the same work for 0.5 s (JIT warm-up), both sides alike; connection setup after the same 20,000 connections on both sides (at most 20 s), as each connection runs its functions once on each side and V8 optimizes a function after thousands of runs; setup_first_us is the exception',
      small: '{ n, text } echoed; p50/p99 of 5,000 sequential calls; pipelined: 64 in flight for 1.5 s',
      echo: 'a Buffer of the size echoed (8 in flight at 64 KiB, 4 at 1 MiB, 2 at 16 MiB) for 1.5 s; MB/s of payload one way',
      item_stream: '100,000 { n, text } items of one server stream',
      byte_stream: `${opts.streamBytes / 2 ** 20} MiB in 64 KiB Buffers of one server stream`,
      byte_stream_far: `${FAR_STREAM_BYTES / 2 ** 20} MiB the same way through a delay line of ${FAR_DELAY_MS} ms each way (a ${2 * FAR_DELAY_MS} ms round trip, user space; the bench process holds it, not pinned), connect and handshake excluded`,
      setup: 'connect, the first small reply and close, from a new client process to the fresh server (after its 1,000 connections): setup_us the median of 1,000 after the warm-up (setup_warm_ups connections); setup_first_us the median of the first 200 connections of that process (its code not yet optimized)',
      connections_1000: '1,000 connections opened at once, each making one call, to a fresh server; its private memory growth per connection',
      uid_check: 'the cell processes load koffi to read local callers\' uids (CELL_KOFFI, as the nucleus gives every cell): ~2 ms of start and ~1 MiB (its native module loaded directly)',
      idle_private_mib: 'private pages (smaps_rollup) 1 s after start: a bare `node -e setInterval`, the cell bundled (before and 1 s after its first call) and run from its TypeScript sources, all alive at once (so the Node binary is shared); then the bundled cell idle past the moment it gives memory back (CELL_MEMORY_TRIM_MS, the wait of a cell the nucleus started, x1.25 + 1 s after its call) against the bare node at that time (the target\'s figure); not pinned',
      cold_start_ms: 'a cell process from nothing: spawn to first output of `node -e`, against spawn of the bundled cell (with a warm NODE_COMPILE_CACHE, as the nucleus runs cells) to the first reply of a call (a bare connect() tried every 1 ms until it listens, then the call); not pinned',
      idle_cell_wake_ms: 'the target\'s figure: the same cell in a tree (`cell mitosis --no-typecheck`), idle_timeout 300 ms; once it has exited, a small call through connect({ cell }) until its reply (the nucleus starts it, in the tree\'s spare Node process, which has the SDK bundle loaded, when one is ready: woken_in_spare counts those rounds), against a bare `node -e` start to its first output in the same round, spawned from a small process of its own (fork() from the grown bench process took ~10 ms more); not pinned',
      cpu: 'client and server CPU (user + system, all threads) per operation; the server read from /proc (10 ms ticks)',
    },
  };
}
