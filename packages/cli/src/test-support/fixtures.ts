// Test support for the CLI's own tests: running `cell` as a process, and temporary trees of
// cells that are always stopped and deleted. (Patterns of test/e2e/helpers.ts, which packages
// do not import.)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { isProcessAlive, processStartTime, readNucleusPointer } from '@cell/host';
import { stopCell, treeStatus } from '@cell/runtime';

/** The `cell` entry point, run directly by this Node (24). */
export const CLI = fileURLToPath(new URL('../../bin/cell.mjs', import.meta.url));
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment `cell` runs in under test: colours off (FORCE_COLOR would win over NO_COLOR, with a warning). */
export function cliEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...extra };
}

/** Runs `cell <args>` to completion, without colours, bounded in time. */
export function runCell(args: string[], options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env: cliEnv(options.env),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
  });
  if (r.error) throw new Error(`cell ${args.join(' ')} did not complete: ${r.error.message}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A temporary tree of cells; `remove` stops what runs in it (even after a failed test) and deletes it. */
export interface TempTree {
  root: string;
  write(path: string, content: string): void;
  remove(): Promise<void>;
}

/** Every `*.pid` file and nucleus pointer under `root` (outside build output): what may run there. */
function recordedPids(root: string): number[] {
  const pids = new Set<number>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name !== 'run') continue;
    const dir = join(entry.parentPath, entry.name);
    const pointer = readNucleusPointer(dirname(dir));
    if (pointer) pids.add(pointer.pid);
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.pid')) continue;
      try {
        const text = readFileSync(join(dir, f), 'utf8').trim();
        const pid = /^\d+$/.test(text) ? Number(text) : (JSON.parse(text) as { pid?: number }).pid;
        if (typeof pid === 'number' && pid > 0) pids.add(pid);
      } catch {
        // unreadable: nothing recorded
      }
    }
  }
  return [...pids];
}

export function tempTree(files: Record<string, string>): TempTree {
  const root = mkdtempSync(join(tmpdir(), 'cell-cli-'));
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  };
  for (const [p, c] of Object.entries(files)) write(p, c);
  return {
    root,
    write,
    async remove() {
      // Note every process the tree runs (nucleus, replicas, standalone cells) with its start time,
      // so that only those are killed if a graceful stop does not end them.
      const pids = recordedPids(root);
      const replicas = await treeStatus(root).then(
        (s) => s.cells.flatMap((c) => c.replicas.map((r) => r.pid)).filter((p): p is number => p !== null),
        () => [],
      );
      const started = [...pids, ...replicas].map((pid) => ({ pid, startTime: processStartTime(pid) })).filter((p) => p.pid !== process.pid && isProcessAlive(p.pid));
      await stopCell(root, 20_000).catch(() => undefined);
      for (const p of started) {
        if (isProcessAlive(p.pid) && processStartTime(p.pid) === p.startTime) process.kill(p.pid, 'SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * A tree of one calc cell with two replicas (`cells/calc`), started detached before the tests of
 * the calling `describe` and removed after them. Read `tree()` inside tests.
 */
export function useRunningCalcTree(): () => TempTree {
  let tree: TempTree | undefined;
  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc', { toml: 'replicas = 2' }) });
    const up = runCell(['mitosis', tree.root, '--detach']);
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await tree?.remove();
  });
  return () => tree!;
}

/** cell.toml of a tree's root: a group with sub-cells in cells/. */
export const ROOT_TOML = '[cell]\nname = "root"\nversion = "1.0.0"\n';

/**
 * A trivial cell in `dir`: `echo`, `whoami` (pid and the VERSION baked into main.ts) and `half`,
 * which refuses odd numbers with the declared error `Odd`.
 */
export function calcCellFiles(dir: string, options: { name?: string; version?: string; build?: string; toml?: string } = {}): Record<string, string> {
  const name = options.name ?? 'calc';
  return {
    [`${dir}/cell.toml`]: `[cell]\nname = "${name}"\nversion = "${options.version ?? '1.0.0'}"\nentry = "src/main.ts"\n${options.toml ?? ''}\n`,
    [`${dir}/src/contract.ts`]: `import { defineContract, Type, unary } from '@cell/sdk';
export const calcContract = defineContract({
  name: '${name}',
  version: '${options.version ?? '1.0.0'}',
  methods: {
    echo: unary({ input: Type.Object({ n: Type.Integer() }), output: Type.Object({ n: Type.Integer() }) }),
    whoami: unary({ input: Type.Object({}), output: Type.Object({ pid: Type.Integer(), build: Type.String() }) }),
    half: unary({
      input: Type.Object({ n: Type.Integer() }),
      output: Type.Object({ n: Type.Integer() }),
      errors: { Odd: Type.Object({ n: Type.Integer() }) },
    }),
  },
});
`,
    [`${dir}/src/main.ts`]: `import { serve } from '@cell/sdk';
import { calcContract } from './contract.ts';
const BUILD = '${options.build ?? 'b1'}';
await serve(calcContract, {
  echo: ({ n }) => ({ n }),
  whoami: () => ({ pid: process.pid, build: BUILD }),
  half: ({ n }, ctx) => {
    if (n % 2 !== 0) throw ctx.fail('Odd', { n });
    return { n: n / 2 };
  },
});
`,
  };
}

/** Polls `check` every 50 ms until it gives a value; fails after `timeoutMs`, naming `what`. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A cell `user` in `dir` depending on `calc` at `calcPath` (relative), calling it through its generated bindings. */
export function userCellFiles(dir: string, calcPath = '../calc'): Record<string, string> {
  return {
    [`${dir}/cell.toml`]: `[cell]\nname = "user"\nversion = "1.0.0"\nentry = "src/main.ts"\n\n[deps]\ncalc = "${calcPath}"\n`,
    [`${dir}/src/contract.ts`]: `import { defineContract, Type, unary } from '@cell/sdk';
export const userContract = defineContract({
  name: 'user',
  version: '1.0.0',
  methods: { twice: unary({ input: Type.Object({ n: Type.Integer() }), output: Type.Object({ n: Type.Integer() }) }) },
});
`,
    [`${dir}/src/main.ts`]: `import { serve } from '@cell/sdk';
import { connectCalc } from '../.cell/bindings/calc.ts';
import { userContract } from './contract.ts';
const calc = connectCalc();
await serve(userContract, { twice: async ({ n }) => ({ n: (await calc.echo({ n })).n * 2 }) });
`,
  };
}

/** `userCellFiles`, but `twice` calls calc twice with its context (children of its span), the second refused with the declared Odd. */
export function tracingUserCellFiles(dir: string, calcPath = '../calc'): Record<string, string> {
  return {
    ...userCellFiles(dir, calcPath),
    [`${dir}/src/main.ts`]: `import { serve } from '@cell/sdk';
import { connectCalc } from '../.cell/bindings/calc.ts';
import { userContract } from './contract.ts';
const calc = connectCalc();
await serve(userContract, {
  twice: async ({ n }, ctx) => {
    const echoed = await calc.echo({ n }, ctx);
    await calc.half.try({ n: 1 }, ctx);
    return { n: echoed.n * 2 };
  },
});
`,
  };
}
