import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive, type TreeStatus } from '@cell/host';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO, 'packages/cli/bin/cell.mjs');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cell <args>` to completion (bounded). */
export function cell(args: string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `cell <args>` in the background (for concurrency tests). */
export function cellAsync(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A temporary tree of cells written from `files` (path -> content); `remove` stops and deletes it. */
export interface TempTree {
  root: string;
  write(path: string, content: string): void;
  /** Stops whatever runs in the tree (nucleus, standalone cells), then deletes it. */
  remove(): void;
}

export function tempTree(files: Record<string, string>, parent = tmpdir()): TempTree {
  const root = mkdtempSync(join(parent, 'cell-e2e-'));
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  for (const [p, c] of Object.entries(files)) write(p, c);
  return {
    root,
    write,
    remove() {
      killTree(root);
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A copy of a directory of this repo (an example) in a temp dir inside the repo (`.tmp/`), where
 * its cells find this repo's node_modules as they do in place (a process cell's script resolves
 * its npm packages from its directory), and which other users may enter (a cell run as another
 * user, like the demo's PostgreSQL, must reach its directory).
 */
export function copyOfRepoDir(rel: string): TempTree {
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  // Type-checked as the examples are in place.
  writeFileSync(join(REPO, '.tmp', 'tsconfig.json'), `${JSON.stringify({ extends: '../examples/tsconfig.json', include: ['**/*.ts'] })}\n`);
  const tree = tempTree({}, join(REPO, '.tmp'));
  chmodSync(tree.root, 0o755);
  cpSync(join(REPO, rel), tree.root, { recursive: true, filter: (src) => !/\/(\.cell|run|log|data|node_modules)(\/|$)/.test(src) });
  return tree;
}


/** Kills every process whose command line mentions `root` (nucleus and cells): teardown never leaks. */
export function killTree(root: string): void {
  const out = spawnSync('pgrep', ['-f', root], { encoding: 'utf8' }).stdout;
  for (const pid of out.split('\n').map(Number).filter((p) => p > 0 && p !== process.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    const pid = Number(readFileSync(join(root, 'run', 'nucleus.pid'), 'utf8'));
    if (pid > 0 && isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    // no nucleus
  }
}

/** Reads `cell status --json`. */
export function status(root: string): TreeStatus {
  const r = cell(['status', root, '--json']);
  if (r.code !== 0) throw new Error(`cell status failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as TreeStatus;
}

/** Polls until `predicate(status)` holds (bounded). */
export async function waitStatus(root: string, predicate: (s: TreeStatus) => boolean, timeoutMs = 20_000, what = 'tree state'): Promise<TreeStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: TreeStatus | undefined;
  while (Date.now() < deadline) {
    try {
      last = status(root);
      if (predicate(last)) return last;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last status: ${JSON.stringify(last?.cells.map((c) => [c.name, c.state]))}`);
}

export function cellOf(s: TreeStatus, name: string): TreeStatus['cells'][number] {
  const c = s.cells.find((x) => x.name === name);
  if (!c) throw new Error(`no cell ${name} in status`);
  return c;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Keeps `lanes` calls in flight until `stop()`; counts successes and failures. */
export function load(call: () => Promise<unknown>, lanes: number): { stop(): Promise<{ ok: number; failed: number; errors: string[] }> } {
  let running = true;
  let ok = 0;
  let failed = 0;
  const errors: string[] = [];
  const lane = async () => {
    while (running) {
      try {
        await call();
        ok++;
      } catch (err) {
        failed++;
        if (errors.length < 10) errors.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
      }
    }
  };
  const all = Promise.all(Array.from({ length: lanes }, lane));
  return {
    async stop() {
      running = false;
      await all;
      return { ok, failed, errors };
    },
  };
}

/** cell.toml text for a test cell. */
export function cellToml(name: string, extra = ''): string {
  return `[cell]\nname = "${name}"\nversion = "1.0.0"\nentry = "src/main.ts"\n${extra}\n`;
}

export type { ChildProcess };
