import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDynamic, type TreeStatus } from '@cell/sdk';
import { median, round } from '../lib/stats.ts';
import { writeTrivialTree } from './trivial-tree.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/src/bin.ts', import.meta.url));

export interface RuntimeOptions {
  rounds: number;
  sizes: number[];
  log(line: string): void;
}

function cell(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`cell ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function status(root: string): TreeStatus {
  return JSON.parse(cell(['status', root, '--json'])) as TreeStatus;
}

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Spawn-to-exit of `node -e` printing one byte: what any Node process costs to start. */
function bareNodeStartMs(): Promise<number> {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn(process.execPath, ['-e', "process.stdout.write('x')"]);
    child.stdout.once('data', () => resolve(performance.now() - t));
  });
}

async function coldStart(rounds: number, log: (l: string) => void): Promise<Record<string, number>> {
  const root = writeTrivialTree(1, 'idle_timeout = "300ms"');
  const dir = join(root, 'cells', 'c0');
  const bare: number[] = [];
  const cold: number[] = [];
  try {
    cell(['mitosis', root, '--detach']);
    for (let i = 0; i < rounds; i++) {
      await waitUntil(() => status(root).cells.find((c) => c.name === 'c0')?.state === 'idle', 30_000, 'idle');
      bare.push(await bareNodeStartMs());
      const t = performance.now();
      const client = connectDynamic({ cell: dir, name: 'c0' });
      await client.call('echo', { n: i });
      cold.push(performance.now() - t);
      await client.$close();
      log(`runtime cold start ${i + 1}/${rounds}: bare node ${round(bare.at(-1)!)} ms, idle cell first reply ${round(cold.at(-1)!)} ms`);
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'stop', root]);
    rmSync(root, { recursive: true, force: true });
  }
  const b = median(bare);
  const c = median(cold);
  return { bare_node_ms: round(b), idle_cell_first_reply_ms: round(c), ratio: round(c / b, 2) };
}

async function restart(rounds: number, log: (l: string) => void): Promise<Record<string, unknown>> {
  const root = writeTrivialTree(1, 'restart = { max = 100, within = "60s", backoff = "10ms..1s" }');
  const socket = join(root, 'cells', 'c0', 'run', 'c0-0.sock');
  const times: number[] = [];
  const rss: number[] = [];
  const bareRss: number[] = [];
  try {
    cell(['mitosis', root, '--detach']);
    for (let i = 0; i < rounds; i++) {
      const pid = status(root).cells.find((c) => c.name === 'c0')!.replicas[0]!.pid!;
      await new Promise((r) => setTimeout(r, 1000)); // settle: an idle cell, not one still starting
      rss.push(rssOf(pid));
      const bare = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1e9)']);
      await new Promise((r) => setTimeout(r, 1000));
      bareRss.push(rssOf(bare.pid!));
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
      log(`runtime restart ${i + 1}/${rounds}: crash to serving ${round(times.at(-1)!)} ms; RSS idle cell ${round(rss.at(-1)! / 2 ** 20)} MiB vs bare node ${round(bareRss.at(-1)! / 2 ** 20)} MiB`);
    }
  } finally {
    spawnSync(process.execPath, [CLI, 'stop', root]);
    rmSync(root, { recursive: true, force: true });
  }
  const cellMiB = median(rss) / 2 ** 20;
  const bareMiB = median(bareRss) / 2 ** 20;
  return {
    restart: { crash_to_serving_ms: round(median(times)), backoff: '10ms..1s (first restart waits 10 ms)' },
    rss: { idle_cell_mib: round(cellMiB), bare_node_mib: round(bareMiB), ratio: round(cellMiB / bareMiB, 2) },
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
    const rssTotal = s.cells.flatMap((c) => c.replicas).reduce((sum, r) => sum + (r.rssBytes ?? 0), 0);
    cell(['stop', root]);
    log(`runtime tree of ${size}: build ${round(buildMs)} ms, ready ${round(readyMs)} ms (${ready} ready), RSS ${round(rssTotal / 2 ** 20)} MiB`);
    return { cells: size, ready_ms: Math.round(readyMs), build_ms: Math.round(buildMs), ready_cells: ready, total_rss_mib: Math.round(rssTotal / 2 ** 20) };
  } finally {
    spawnSync(process.execPath, [CLI, 'stop', root]);
    rmSync(root, { recursive: true, force: true });
  }
}

/** Section `runtime`: cold start, restart, tree start-up and memory. */
export async function benchRuntime(opts: RuntimeOptions): Promise<Record<string, unknown>> {
  const cold = await coldStart(opts.rounds, opts.log);
  const { restart: restartResult, rss } = await restart(opts.rounds, opts.log);
  const trees: Record<string, unknown> = {};
  for (const size of opts.sizes) trees[`cells_${size}`] = await treeReady(size, opts.log);
  return {
    cold_start: cold,
    restart: restartResult,
    tree_ready: trees,
    rss,
    method: {
      rounds: opts.rounds,
      statistic: 'median',
      cold_start: 'bare: spawn `node -e` until its first output; cell: first call to a cell that exited after idle_timeout, until the reply (nucleus starts it on demand)',
      restart: 'SIGKILL of a replica until a call on its socket is answered by the new process',
      tree_ready: '`cell mitosis --detach` of N trivial cells with builds up to date, until every cell answered its handshake; build_ms is the first (cold) `cell build`',
      rss: 'VmRSS of an idle trivial cell vs `node -e setInterval` after 1 s',
      pinning: 'not pinned (many processes)',
    },
  };
}
