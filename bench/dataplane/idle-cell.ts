// Idle memory and cold start of a cell process against a bare Node process: the data section's
// last figures. A cell here is the data bench's own cell (four methods), bundled the way the
// ribosome bundles one, and the same cell run from its TypeScript sources.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from '../lib/stats.ts';
import { startReady, stopAll } from '../lib/processes.ts';
import { probeSocket } from '@cell/wire';
import { DEFAULT_MEMORY_TRIM_MS } from '@cell/host';
import { PAST_MEMORY_TRIM_MS } from '../lib/memory-trim.ts';
import { idleWake } from '../lib/idle-wake.ts';
import { cell } from './cell-data.ts';
import { SMALL } from './system.ts';

/** Private pages (Private_Clean + Private_Dirty) of a process, MiB: what one more such process costs. */
function privateMiB(pid: number): number {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return (kb('Private_Clean') + kb('Private_Dirty')) / 1024;
}

const settle = (ms = 1000) => new Promise((resolve) => setTimeout(resolve, ms));


/** Spawn until the first byte of output: what starting any Node process costs. */
function bareStartMs(): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['-e', "process.stdout.write('x')"]);
    child.stdout.once('data', () => resolve(performance.now() - t));
  });
}

/**
 * Spawn of a cell until its first reply to a call (made once the cell accepts connections, tried every 1 ms),
 * with V8's compile cache in `cacheDir` as the nucleus gives every cell.
 */
async function cellFirstReplyMs(bundle: string, socket: string, cacheDir: string): Promise<number> {
  const t = performance.now();
  const child = spawn(process.execPath, [bundle, 'serve', socket], { stdio: 'ignore', env: { ...process.env, NODE_COMPILE_CACHE: cacheDir } });
  try {
    // Polled with bare connect()s: a caller made and dropped per attempt cost the poller more
    // than the cell it waits for.
    while (!(await probeSocket(socket))) {
      if (performance.now() - t > 10_000) throw new Error(`the cell did not listen on ${socket} within 10 s`);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    const client = await cell.connect(socket);
    await client.pingPong(1);
    const ms = performance.now() - t;
    await client.close();
    return ms;
  } finally {
    child.kill('SIGKILL');
  }
}

export interface IdleOptions {
  rounds: number;
  /** The cell's bundle and its TypeScript entry (bench-data.ts writes both). */
  bundle: string;
  sourceEntry: string;
  dir: string;
}

/** Medians over `rounds`: private memory of a bare Node and of an idle cell (bundled, before and after its first call; from source), and cold first reply against a bare start. */
export async function idleAndCold(opts: IdleOptions): Promise<Record<string, unknown>> {
  const bare: number[] = [];
  const bundled: number[] = [];
  const bundledAfterCall: number[] = [];
  const bundledIdle: number[] = [];
  const bareLater: number[] = [];
  const source: number[] = [];
  const bareStart: number[] = [];
  const cold: number[] = [];
  const cacheDir = join(opts.dir, 'compile-cache');
  await cellFirstReplyMs(opts.bundle, join(opts.dir, 'idle-warm.sock'), cacheDir); // fills the compile cache (a cell writes it once it serves)
  for (let r = 0; r < opts.rounds; r++) {
    const socket = (name: string) => join(opts.dir, `idle-${name}-${r}.sock`);
    const idle = spawn(process.execPath, ['-e', "process.stdout.write('ready\\n'); setInterval(() => {}, 1e9)"], { stdio: ['ignore', 'pipe', 'ignore'] });
    await new Promise((resolve) => idle.stdout.once('data', resolve));
    // With the compile cache, and giving memory back after the wait a cell the nucleus started has.
    const withCache = { ...process.env, NODE_COMPILE_CACHE: cacheDir, CELL_MEMORY_TRIM_MS: String(DEFAULT_MEMORY_TRIM_MS) };
    const b = await startReady([], [opts.bundle, 'serve', socket('bundled')], undefined, withCache);
    const s = await startReady([], [opts.sourceEntry, 'serve', socket('source')], undefined, withCache);
    try {
      await settle();
      bare.push(privateMiB(idle.pid!));
      bundled.push(privateMiB(b.pid!));
      source.push(privateMiB(s.pid!));
      const client = await cell.connect(socket('bundled'));
      await client.pingPong(1);
      await client.close();
      await settle();
      bundledAfterCall.push(privateMiB(b.pid!));
      await settle(PAST_MEMORY_TRIM_MS - 1000);
      bundledIdle.push(privateMiB(b.pid!));
      bareLater.push(privateMiB(idle.pid!));
    } finally {
      idle.kill('SIGKILL');
      await stopAll([b, s]);
    }
    bareStart.push(await bareStartMs());
    cold.push(await cellFirstReplyMs(opts.bundle, socket('cold'), cacheDir));
  }
  const m = (xs: number[]) => round(median(xs), 1);
  return {
    idle_private_mib: {
      bare_node: m(bare),
      cell_bundled: m(bundled),
      cell_bundled_after_one_call: m(bundledAfterCall),
      cell_bundled_idle: m(bundledIdle),
      bare_node_then: m(bareLater),
      cell_from_source: m(source),
      bundled_vs_bare: round(median(bundled) / median(bare), 2),
      bundled_after_call_vs_bare: round(median(bundledAfterCall) / median(bare), 2),
      bundled_idle_vs_bare: round(median(bundledIdle) / median(bareLater), 2),
      source_vs_bare: round(median(source) / median(bare), 2),
    },
    cold_start_ms: { bare_node_first_output: m(bareStart), cell_first_reply: m(cold), ratio: round(median(cold) / median(bareStart), 2) },
  };
}

/**
 * The data cell as a sleeping cell of a tree (idle_timeout), woken by a small call: its first
 * reply against a bare Node start (the target's figure; see idleWake).
 */
export async function dataCellWake(rounds: number, log: (line: string) => void): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'cell-bench-wake-'));
  const dir = join(root, 'cells', 'data');
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(root, 'cell.toml'), '[cell]\nname = "wake"\nversion = "1.0.0"\n');
  writeFileSync(join(dir, 'cell.toml'), '[cell]\nname = "data"\nversion = "1.0.0"\nentry = "src/main.ts"\n[life_cycle]\nidle_timeout = "300ms"\n');
  const source = fileURLToPath(new URL('./cell-data.ts', import.meta.url));
  writeFileSync(join(dir, 'src', 'main.ts'), `import { cell } from ${JSON.stringify(source)};\nawait cell.serve(process.env['CELL_SOCKET']!);\n`);
  try {
    return await idleWake({ root, cellDir: dir, cell: 'data', method: 'small', input: SMALL, rounds, mitosisArgs: ['--no-typecheck'], log });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
