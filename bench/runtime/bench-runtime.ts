import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connectDynamic } from '@cell/sdk';
import { median, round } from '../lib/stats.ts';
import { PAST_MEMORY_TRIM_MS } from '../lib/memory-trim.ts';
import { cellCli as cell, idleWake, stopTree, treeStatus as status, waitUntil } from '../lib/idle-wake.ts';
import { writeTrivialTree } from './trivial-tree.ts';
import { benchTypecheck } from './bench-typecheck.ts';

export interface RuntimeOptions {
  rounds: number;
  sizes: number[];
  log(line: string): void;
}

interface Memory {
  /** Resident set: counts the pages shared with other Node processes (the binary) in full. */
  rss: number;
  /** Proportional set: shared pages divided among their sharers; sums to what a tree really uses. */
  pss: number;
  /** Unique set: pages no other process has; what one more such process adds. */
  uss: number;
}

function memoryOf(pid: number): Memory {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) * 1024;
  return { rss: kb('Rss'), pss: kb('Pss'), uss: kb('Private_Clean') + kb('Private_Dirty') };
}

const mib = (bytes: number) => round(bytes / 2 ** 20);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function coldStart(rounds: number, log: (l: string) => void): Promise<Record<string, unknown>> {
  const root = writeTrivialTree(1, 'idle_timeout = "300ms"');
  try {
    return await idleWake({ root, cellDir: join(root, 'cells', 'c0'), cell: 'c0', method: 'echo', input: { n: 1 }, rounds, log });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function restart(rounds: number, log: (l: string) => void): Promise<Record<string, unknown>> {
  const root = writeTrivialTree(1, 'restart = { max = 100, within = "60s", backoff = "10ms..1s" }');
  const socket = join(root, 'cells', 'c0', 'run', 'c0-0.sock');
  const times: number[] = [];
  const memory: Memory[] = [];
  const bareMemory: Memory[] = [];
  const trimmed: Memory[] = [];
  const bareThen: Memory[] = [];
  try {
    cell(['mitosis', root, '--detach']);
    for (let i = 0; i < rounds; i++) {
      const pid = status(root).cells.find((c) => c.name === 'c0')!.replicas[0]!.pid!;
      await new Promise((r) => setTimeout(r, 1000)); // settle: an idle cell, not one still starting
      memory.push(memoryOf(pid));
      const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)']);
      await new Promise((r) => setTimeout(r, 1000));
      bareMemory.push(memoryOf(bare.pid!));
      // The same cell once it gave its memory back (its last call came before the settle above).
      await sleep(PAST_MEMORY_TRIM_MS - 2000);
      trimmed.push(memoryOf(pid));
      bareThen.push(memoryOf(bare.pid!));
      bare.kill('SIGKILL');
      const t = performance.now();
      process.kill(pid, 'SIGKILL');
      await waitUntil(async () => {
        const probe = connectDynamic({ socketPath: socket, connectTimeoutMs: 200 });
        try {
          const r = await probe.call('echo', { n: 1 });
          const remote = await probe.$connect();
          return (r as { n: number }).n === 1 && remote.pid !== pid;
        } catch {
          return false;
        } finally {
          await probe.$close();
        }
      }, 30_000, 'restart');
      times.push(performance.now() - t);
      log(`runtime restart ${i + 1}/${rounds}: crash to serving ${round(times.at(-1)!)} ms; idle cell RSS ${mib(memory.at(-1)!.rss)} MiB, unique ${mib(memory.at(-1)!.uss)} MiB vs bare node ${mib(bareMemory.at(-1)!.rss)} / ${mib(bareMemory.at(-1)!.uss)} MiB`);
    }
  } finally {
    stopTree(root);
    rmSync(root, { recursive: true, force: true });
  }
  const med = (list: Memory[], key: keyof Memory) => median(list.map((m) => m[key]));
  return {
    restart: { crash_to_serving_ms: round(median(times)), backoff: '10ms..1s (first restart waits 10 ms)' },
    rss: { idle_cell_mib: mib(med(memory, 'rss')), bare_node_mib: mib(med(bareMemory, 'rss')), ratio: round(med(memory, 'rss') / med(bareMemory, 'rss'), 2) },
    unique_memory: { idle_cell_mib: mib(med(memory, 'uss')), bare_node_mib: mib(med(bareMemory, 'uss')), ratio: round(med(memory, 'uss') / med(bareMemory, 'uss'), 2) },
    unique_memory_trimmed: { idle_cell_mib: mib(med(trimmed, 'uss')), bare_node_mib: mib(med(bareThen, 'uss')), ratio: round(med(trimmed, 'uss') / med(bareThen, 'uss'), 2) },
  };
}

async function treeReady(size: number, log: (l: string) => void): Promise<Record<string, number>> {
  const root = writeTrivialTree(size);
  try {
    let t = performance.now();
    cell(['build', root]);
    const buildMs = performance.now() - t;
    t = performance.now();
    cell(['mitosis', root, '--detach']);
    const readyMs = performance.now() - t;
    const s = status(root);
    const ready = s.cells.filter((c) => c.state === 'ready').length;
    const replicas = s.cells.flatMap((c) => c.replicas);
    const rssTotal = replicas.reduce((sum, r) => sum + (r.rssBytes ?? 0), 0);
    const pss = () => replicas.reduce((sum, r) => sum + (r.pid ? memoryOf(r.pid).pss : 0), memoryOf(s.nucleus.pid).pss);
    const pssTotal = pss();
    await sleep(PAST_MEMORY_TRIM_MS); // every cell idle since it started: each gives its memory back
    const pssIdle = pss();
    cell(['stop', root]);
    log(`runtime tree of ${size}: build ${round(buildMs)} ms, ready ${round(readyMs)} ms (${ready} ready), RSS ${mib(rssTotal)} MiB, PSS with the nucleus ${mib(pssTotal)} MiB, ${mib(pssIdle)} MiB once idle`);
    return {
      cells: size,
      ready_ms: Math.round(readyMs),
      build_ms: Math.round(buildMs),
      ready_cells: ready,
      total_rss_mib: Math.round(rssTotal / 2 ** 20),
      total_pss_mib: Math.round(pssTotal / 2 ** 20),
      total_pss_idle_mib: Math.round(pssIdle / 2 ** 20),
    };
  } finally {
    stopTree(root);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Section `runtime`: cold start, restart, tree start-up and memory. */
export async function benchRuntime(opts: RuntimeOptions): Promise<Record<string, unknown>> {
  const cold = await coldStart(opts.rounds, opts.log);
  const { restart: restartResult, rss, unique_memory, unique_memory_trimmed } = await restart(opts.rounds, opts.log);
  const trees: Record<string, unknown> = {};
  for (const size of opts.sizes) trees[`cells_${size}`] = await treeReady(size, opts.log);
  const typecheck = await benchTypecheck({ rounds: opts.rounds, log: opts.log });
  return {
    cold_start: cold,
    restart: restartResult,
    tree_ready: trees,
    rss,
    unique_memory,
    unique_memory_trimmed,
    typecheck,
    method: {
      rounds: opts.rounds,
      statistic: 'median',
      cold_start: 'bare: spawn `node -e` until its first output, from a small process of its own (fork() from the grown bench process took ~10 ms more); cell: first call to a cell that exited after idle_timeout, until the reply (the nucleus starts it on demand, in the tree\'s spare Node process, which has the SDK bundle loaded, when one is ready: woken_in_spare counts those rounds)',
      restart: 'SIGKILL of a replica until a call on its socket is answered by the new process',
      tree_ready: '`cell mitosis --detach` of N trivial cells with builds up to date, until every cell answered its handshake; build_ms is the first (cold) `cell build`, type-check included',
      rss: 'VmRSS of an idle trivial cell vs `node -e setInterval` after 1 s (shared pages of the Node binary counted in full)',
      unique_memory: 'private pages (smaps_rollup Private_Clean + Private_Dirty) of the same two processes: what one more cell costs',
      unique_memory_trimmed: `the same, once the cell gave its memory back (idle ${PAST_MEMORY_TRIM_MS} ms after its last call), against the bare node at that time`,
      total_pss_mib: 'sum of proportional set sizes of every replica and the nucleus: the memory the tree really uses, when it is ready; total_pss_idle_mib the same once every cell gave its memory back',
      pinning: 'not pinned (many processes)',
    },
  };
}
