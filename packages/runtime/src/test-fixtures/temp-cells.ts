import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Type } from 'typebox';
import { afterAll, afterEach } from 'vitest';
import { type CellTree, loadCellTree } from '@cell/config';
import { defineContract, type Genome, toGenome, unary } from '@cell/contract';
import { isProcessAlive, processStartTime } from '@cell/host';
import { connectDynamic, type Logger } from '@cell/sdk';

/** Registers cleanups run after each test (or after all of them), last registered first, even when the test failed. */
export function useTeardown(scope: 'each' | 'all' = 'each'): (fn: () => unknown) => void {
  const fns: Array<() => unknown> = [];
  (scope === 'each' ? afterEach : afterAll)(async () => {
    const errors: unknown[] = [];
    for (const fn of fns.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) throw errors[0];
  });
  return (fn) => void fns.push(fn);
}

/** Writes `files` (relative path -> content) under `root`. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

/** A temporary directory holding `files`, removed by `defer`'s teardown. Short, so socket paths fit. */
export function tempDir(defer: (fn: () => unknown) => void, files: Record<string, string> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'cell-rt-'));
  defer(() => rmSync(root, { recursive: true, force: true }));
  writeFiles(root, files);
  return root;
}

/** A tree loaded from cell.toml files written to a temporary directory. */
export function tempTree(defer: (fn: () => unknown) => void, files: Record<string, string>): CellTree {
  return loadCellTree(tempDir(defer, files));
}

/** A cell.toml. `entry: false` makes a group (no code). */
export function cellToml(name: string, options: { version?: string; entry?: boolean; extra?: string } = {}): string {
  const entry = options.entry === false ? '' : 'entry = "src/main.ts"\n';
  return `[cell]\nname = "${name}"\nversion = "${options.version ?? '1.0.0'}"\n${entry}${options.extra ?? ''}\n`;
}

/** A cell with an (empty) entry and no contract: enough for tests that only load the tree. */
export function plainCell(dir: string, name: string, extra = ''): Record<string, string> {
  return { [`${dir}/cell.toml`]: cellToml(name, { extra }), [`${dir}/src/main.ts`]: '' };
}

/**
 * Contract module source of a test cell: `whoami`, plus `extraMethods` (TypeBox source of more
 * `unary` entries). It imports `@cell/sdk` as cells do, or, with `light`, only `@cell/contract`
 * and `typebox` (a smaller bundle, for tests that read many genomes).
 */
export function contractSource(name: string, version = '1.0.0', extraMethods = '', light = false): string {
  const imports = light ? "import { Type } from 'typebox';\nimport { defineContract, unary } from '@cell/contract';" : "import { defineContract, Type, unary } from '@cell/sdk';";
  return `${imports}
export const contract = defineContract({
  name: '${name}',
  version: '${version}',
  methods: {
    whoami: unary({ input: Type.Object({}), output: Type.Object({ pid: Type.Integer(), replica: Type.String(), build: Type.String() }) }),
    ${extraMethods}
  },
});
`;
}

interface CellFileOptions {
  version?: string;
  /** More lines under `[cell]`-level tables (e.g. `[life_cycle]`). */
  extra?: string;
  /** Throws at start, before serving. */
  crashOnStart?: boolean;
  /** Stays alive without ever serving (misses its ready timeout). */
  neverReady?: boolean;
  /** Appends its pid to `starts.txt` in its directory when it starts. */
  recordStarts?: boolean;
  /** Reported by `whoami` as `build`: tells one build from another. */
  build?: string;
  extraMethods?: string;
}

/** A tiny cell importing `@cell/sdk` (resolved from this repository's node_modules), under `dir`. */
export function cellFiles(dir: string, name: string, options: CellFileOptions = {}): Record<string, string> {
  return {
    [`${dir}/cell.toml`]: cellToml(name, { version: options.version, extra: options.extra }),
    [`${dir}/src/contract.ts`]: contractSource(name, options.version, options.extraMethods),
    [`${dir}/src/main.ts`]: `import { appendFileSync } from 'node:fs';
import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
${options.recordStarts ? "appendFileSync('starts.txt', `${process.pid}\\n`);" : ''}
${options.crashOnStart ? "throw new Error('boom at start');" : ''}
${options.neverReady ? 'await new Promise(() => setInterval(() => undefined, 1000));' : ''}
const handlers: Record<string, () => unknown> = {
  whoami: () => ({ pid: process.pid, replica: process.env.CELL_REPLICA ?? '', build: ${JSON.stringify(options.build ?? 'one')} }),
};
for (const m of Object.keys(contract.methods)) handlers[m] ??= () => ({});
await serve(contract, handlers as never);
`,
  };
}

/** What a test cell's `whoami` answers on `socketPath`: which process and replica serves, and which build. */
export async function whoami(socketPath: string): Promise<{ pid: number; replica: string; build: string }> {
  const client = connectDynamic({ socketPath, timeoutMs: 10_000 });
  try {
    return (await client.call('whoami', {})) as { pid: number; replica: string; build: string };
  } finally {
    await client.$close();
  }
}

/** Polls `probe` until it returns something other than undefined/false; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms (${attempt + 1} checks) waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** `promise`, or a clear failure after `timeoutMs`. */
export function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${timeoutMs} ms`)), timeoutMs);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The error `fn` throws (or the promise rejects with); fails when there is none. */
export async function errorOf(fn: () => unknown): Promise<{ code: string; message: string; details: Record<string, unknown> } & Error> {
  try {
    await fn();
  } catch (err) {
    return err as { code: string; message: string; details: Record<string, unknown> } & Error;
  }
  throw new Error('expected an error, got none');
}

/** A parsed log line. */
export type LogLine = Record<string, unknown> & { level: string; msg: string };

/** A pino logger (the Cell line schema) whose lines are kept, parsed, in `lines`. */
export function capturedLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const dest = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as LogLine);
      callback();
    },
  });
  const logger = pino({ level: 'debug', base: null, messageKey: 'msg', errorKey: 'err', formatters: { level: (label) => ({ level: label }) } }, dest);
  return { logger, lines };
}

/** A live process of ours that answers IPC pings (`ping()` resolves while it is alive and not signalled). */
export interface Sleeper {
  child: ChildProcess;
  pid: number;
  startTime: number | undefined;
  ping(): Promise<boolean>;
  isAlive(): boolean;
}

/** Starts a process that only waits; `defer` kills it. */
export async function startSleeper(defer: (fn: () => unknown) => void): Promise<Sleeper> {
  const child = spawn(process.execPath, ['-e', "process.on('message', (m) => process.send(m)); setInterval(() => {}, 1000);"], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const isAlive = () => child.exitCode === null && child.signalCode === null;
  defer(async () => {
    if (isAlive()) child.kill('SIGKILL');
    await exited;
  });
  const pid = child.pid!;
  const ping = () =>
    within(
      new Promise<boolean>((resolve) => {
        child.once('message', () => resolve(true));
        child.send('ping');
      }),
      10_000,
      `a ping of process ${pid}`,
    );
  await ping(); // messages wait in the channel until the process listens: once answered, it runs
  return {
    child,
    pid,
    startTime: processStartTime(pid),
    isAlive,
    ping,
  };
}

/** A pid and start time of a process that has exited (and was reaped). */
export async function deadProcess(): Promise<{ pid: number; startTime: number | undefined }> {
  const child = spawn(process.execPath, ['-e', "process.once('message', () => process.exit(0));"], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  const startTime = processStartTime(pid);
  child.send('exit');
  await within(exited, 10_000, 'a short-lived process to exit');
  await waitFor(`process ${pid} to be gone`, () => !isProcessAlive(pid), 5000);
  return { pid, startTime };
}

/**
 * Genomes of a `store` contract: `base`; `compatible` (an optional input field and a new method);
 * `breaking` (an input field renamed).
 */
export function storeGenome(version: string, variant: 'base' | 'compatible' | 'breaking' = 'base', name = 'store'): Genome {
  const output = Type.Object({ qty: Type.Integer() });
  const input =
    variant === 'base'
      ? Type.Object({ sku: Type.String() })
      : variant === 'compatible'
        ? Type.Object({ sku: Type.String(), warehouse: Type.Optional(Type.String()) })
        : Type.Object({ code: Type.String() });
  const get = unary({ input, output });
  if (variant !== 'compatible') return toGenome(defineContract({ name, version, methods: { get } }));
  return toGenome(defineContract({ name, version, methods: { get, list: unary({ input: Type.Object({}), output: Type.Array(Type.String()) }) } }));
}
