// Capsid start: from "start this cell" to its first successful call, in a capsid (bubblewrap,
// namespaces, cgroup, unprivileged uid, inherited socket) against the same cell started as a bare
// process in the same run; then the latency of calls through each.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCapsidHost } from '@cell/runtime';
import { echoP50, firstEchoCall } from '../lib/echo-calls.ts';
import { median, round } from '../lib/stats.ts';
import { writeTrivialTree } from '../runtime/trivial-tree.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/cell.mjs', import.meta.url));

export interface CapsidBenchOptions {
  rounds: number;
  /** Sequential calls per system for the latency figure. */
  calls: number;
  log(line: string): void;
}

export async function benchCapsid(options: CapsidBenchOptions): Promise<Record<string, unknown>> {
  const root = writeTrivialTree(1);
  chmodSync(root, 0o711); // the sandbox uid passes through it to the cell's code
  const code = join(root, 'cells', 'c0');
  const main = join(code, '.cell', 'build', 'main.mjs');
  const build = spawnSync(process.execPath, [CLI, 'build', root], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`cell build failed: ${build.stderr}`);
  const host = createCapsidHost({ root: join(root, 'capsids') });
  const resources = { memoryBytes: 256 * 2 ** 20, cpu: 1, pids: 128 };
  const start = { bare: [] as number[], capsid: [] as number[] };
  const p50 = { bare: [] as number[], capsid: [] as number[] };
  try {
    // Round -1 warms the page cache and the code paths of both; it is not counted.
    for (let r = -1; r < options.rounds; r++) {
      const order = r % 2 === 0 ? (['bare', 'capsid'] as const) : (['capsid', 'bare'] as const);
      for (const system of order) {
        const socket = join(root, 'run', `${system}-${r + 1}.sock`);
        const t = performance.now();
        let stop: () => Promise<unknown>;
        if (system === 'bare') {
          const child = spawn(process.execPath, [main], { cwd: code, stdio: 'ignore', env: { ...process.env, CELL_SOCKET: socket, CELL_LOG_LEVEL: 'warn' } });
          const exited = new Promise((resolve) => child.once('exit', resolve));
          stop = () => (child.kill('SIGKILL'), exited);
        } else {
          const capsid = await host.run({ cell: 'c0', replica: `c0-${r + 1}`, codeDir: code, dataDir: join(root, 'capsids', `data-${r + 1}`), socket, resources, env: { CELL_LOG_LEVEL: 'warn' } });
          capsid.stdout.resume();
          stop = () => capsid.kill();
        }
        const client = await firstEchoCall({ socketPath: socket });
        const startMs = performance.now() - t;
        const callUs = await echoP50(client, options.calls);
        await client.$close();
        await stop();
        if (r < 0) continue;
        start[system].push(startMs);
        p50[system].push(callUs);
        options.log(`capsid round ${r + 1}/${options.rounds} ${system}: first call after ${round(start[system].at(-1)!)} ms, call p50 ${round(p50[system].at(-1)!)} µs`);
      }
    }
  } finally {
    host.close();
    rmSync(root, { recursive: true, force: true });
  }
  const startBare = median(start.bare);
  const startCapsid = median(start.capsid);
  const p50Bare = median(p50.bare);
  const p50Capsid = median(p50.capsid);
  return {
    method: `medians of ${options.rounds} interleaved rounds after a warm-up round; start = spawn until the first echo call succeeds on the cell's socket; p50 over ${options.calls} sequential echo calls`,
    sandbox: { enforcer: host.probe.enforcer, bwrap: host.probe.bwrapVersion, uid: host.uid, resources },
    start_ms: { bare_process: round(startBare), capsid: round(startCapsid), ratio: round(startCapsid / startBare, 2) },
    call_p50_us: { bare_process: round(p50Bare), capsid: round(p50Capsid), ratio: round(p50Capsid / p50Bare, 2) },
  };
}
