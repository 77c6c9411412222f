import type { Worker } from 'node:cluster';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import { tempDir, useTeardown, waitFor, within } from '../test-fixtures/temp-cells.ts';
import { linkSdk, sdkOfBuild } from '../ribosome/sdk-bundle.ts';
import { becomeCell, nodeCellExecArgv, SparePool, startsAlike } from './spare-pool.ts';

const defer = useTeardown();

/** A pool whose spare is ready; closed after the test. */
async function readyPool(options: ConstructorParameters<typeof SparePool>[0] = {}): Promise<SparePool> {
  const pool = new SparePool({ refillDelayMs: 50, afterListeningMs: 0, ...options });
  defer(() => pool.close());
  pool.start();
  await waitFor('a spare to be ready', () => pool.readyPid !== undefined, 20_000);
  return pool;
}

const exitOf = (w: Worker) => new Promise<{ code: number | null; signal: string | null }>((resolve) => w.process.once('exit', (code, signal) => resolve({ code, signal })));

// What a cell sees of its process: reported over IPC, then it exits.
const REPORTER = `import module from 'node:module';
process.send({ answer: process.env.ANSWER ?? null, leftover: process.env.SPARE_ONLY ?? null, cwd: process.cwd(), argv1: process.argv[1], cache: module.getCompileCacheDir() ?? null }, () => process.exit(0));
`;

describe('startsAlike', () => {
  it('lets a cell set anything but what Node reads at start, unless the spare has the same', () => {
    const spare = { NODE_OPTIONS: '--max-http-header-size=1000', PATH: '/bin' };
    expect(startsAlike(spare, { PATH: '/usr/bin', CELL_NAME: 'a', NODE_COMPILE_CACHE: '/c' })).toBe(true);
    expect(startsAlike(spare, { NODE_OPTIONS: '--max-http-header-size=1000' })).toBe(true);
    expect(startsAlike(spare, { NODE_OPTIONS: '--max-old-space-size=64' })).toBe(false);
    expect(startsAlike(spare, { UV_THREADPOOL_SIZE: '8' })).toBe(false);
    expect(startsAlike(spare, { SSL_CERT_FILE: '/x.pem' })).toBe(false);
    expect(startsAlike({}, { NODE_EXTRA_CA_CERTS: '/ca.pem' })).toBe(false);
  });

  it('gives a cell source maps only when asked for, before its limits', () => {
    expect(nodeCellExecArgv(['--max-old-space-size=48'], {})).toEqual(['--max-old-space-size=48']);
    expect(nodeCellExecArgv([], { CELL_SOURCE_MAPS: '1' })).toEqual(['--enable-source-maps']);
  });
});

describe('SparePool', () => {
  it('hands over a started process that runs a bundle with the cell environment, directory and compile cache, and starts another', async () => {
    process.env['SPARE_ONLY'] = 'from the nucleus when the spare started';
    defer(() => delete process.env['SPARE_ONLY']);
    const pool = await readyPool();
    delete process.env['SPARE_ONLY'];
    const dir = tempDir(defer, { 'main.mjs': REPORTER });
    const pid = pool.readyPid;
    const spare = pool.take([], { ANSWER: '42' })!;
    expect(spare.process.pid).toBe(pid);
    expect(pool.readyPid).toBeUndefined();
    const report = new Promise((resolve) => spare.once('message', resolve));
    const exited = exitOf(spare);
    becomeCell(spare, join(dir, 'main.mjs'), dir, { ANSWER: '42', NODE_COMPILE_CACHE: join(dir, 'cache') });
    expect(await within(report, 20_000, 'the report')).toEqual({ answer: '42', leftover: null, cwd: dir, argv1: join(dir, 'main.mjs'), cache: expect.stringContaining(join(dir, 'cache')) });
    expect(await exited).toEqual({ code: 0, signal: null });
    await waitFor('the next spare', () => pool.readyPid !== undefined && pool.readyPid !== pid, 20_000);
  });

  it("has loaded the Node modules a cell's bundle imports: importing them loads no internal module", async () => {
    const pool = await readyPool();
    const builtins = ['assert', 'buffer', 'cluster', 'diagnostics_channel', 'events', 'fs', 'module', 'net', 'os', 'path', 'perf_hooks', 'stream', 'url', 'util', 'v8', 'vm', 'worker_threads'];
    const dir = tempDir(defer, {
      'main.mjs': `const before = new Set(process.moduleLoadList);
for (const name of ${JSON.stringify(builtins)}) await import('node:' + name);
process.send(process.moduleLoadList.filter((m) => !before.has(m)), () => process.exit(0));
`,
    });
    const spare = pool.take([], {})!;
    const report = new Promise((resolve) => spare.once('message', resolve));
    becomeCell(spare, join(dir, 'main.mjs'), dir, {});
    expect(await within(report, 20_000, 'the report')).toEqual([]);
  });

  it('fails a bundle that throws as it loads like a process of its own: exit code 1, the error on stderr', async () => {
    const pool = await readyPool();
    const dir = tempDir(defer, { 'main.mjs': "throw new Error('boom at load');\n" });
    const spare = pool.take([], {})!;
    let stderr = '';
    spare.process.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = exitOf(spare);
    becomeCell(spare, join(dir, 'main.mjs'), dir, {});
    expect(await within(exited, 20_000, 'the exit')).toEqual({ code: 1, signal: null });
    expect(stderr).toContain('boom at load');
  });

  it('keeps its spare for cells it would not start alike: other Node flags, a start-up variable of their own', async () => {
    const pool = await readyPool();
    expect(pool.take(['--max-old-space-size=64'], {})).toBeUndefined();
    expect(pool.take([], { NODE_OPTIONS: '--no-warnings' })).toBeUndefined();
    expect(pool.readyPid).toBeDefined();
  });

  it('loads the SDK bundle it is given before it is ready: a cell linking that bundle finds it loaded, a cell linking another does not get it', async () => {
    const dir = tempDir(defer, {
      'sdk/cell-sdk-1.mjs': "globalThis.sdkLoads = (globalThis.sdkLoads ?? 0) + 1;\nexport const loadedBeforeTheCell = globalThis.cellStarted !== true;\n",
      // The cell marks its start, then loads its SDK through its link (a static import would load it before the mark).
      'cell/main.mjs': "globalThis.cellStarted = true;\nconst sdk = await import('./cell-sdk.mjs');\nprocess.send({ loads: globalThis.sdkLoads, loadedBeforeTheCell: sdk.loadedBeforeTheCell }, () => process.exit(0));\n",
    });
    linkSdk(join(dir, 'cell'), join(dir, 'sdk', 'cell-sdk-1.mjs'));
    const sdk = sdkOfBuild(join(dir, 'cell', 'main.mjs'))!;
    const pool = await readyPool({ preload: () => sdk });
    expect(pool.take([], {}, join(dir, 'sdk', 'another.mjs'))).toBeUndefined();
    expect(pool.take([], {}, undefined)).toBeUndefined();
    const spare = pool.take([], {}, sdk)!;
    const report = new Promise((resolve) => spare.once('message', resolve));
    becomeCell(spare, join(dir, 'cell', 'main.mjs'), join(dir, 'cell'), {});
    expect(await within(report, 20_000, 'the report')).toEqual({ loads: 1, loadedBeforeTheCell: true });
  });

  it('replaces a spare whose SDK bundle was rebuilt since it loaded it by one that loads the new', async () => {
    const dir = tempDir(defer, { 'cell-sdk-1.mjs': 'export const v = 1;\n', 'cell-sdk-2.mjs': 'export const v = 2;\n' });
    let current = join(dir, 'cell-sdk-1.mjs');
    const pool = await readyPool({ preload: () => current });
    const first = pool.readyPid!;
    expect(pool.take([], {}, join(dir, 'cell-sdk-2.mjs'))).toBeUndefined(); // not rebuilt: a cell of another SDK
    expect(pool.readyPid).toBe(first);
    current = join(dir, 'cell-sdk-2.mjs');
    expect(pool.take([], {}, current)).toBeUndefined();
    await waitFor('the stale spare to be replaced', () => pool.readyPid !== undefined && pool.readyPid !== first, 20_000);
    await waitFor('the stale spare to be gone', () => !isProcessAlive(first), 10_000);
    expect(pool.take([], {}, current)).toBeDefined();
  });

  it('says so, once, when a spare cannot load its SDK bundle, and starts the next ones without it', async () => {
    const dir = tempDir(defer, { 'cell-sdk-1.mjs': "throw new Error('a broken SDK bundle');\n" });
    const failures: string[] = [];
    const pool = await readyPool({ preload: () => join(dir, 'cell-sdk-1.mjs'), onPreloadFailure: (reason) => failures.push(reason) });
    expect(failures).toEqual([`${join(dir, 'cell-sdk-1.mjs')}: a broken SDK bundle`]);
    expect(pool.take([], {}, undefined)).toBeDefined(); // a spare that loaded nothing: any Node cell's
  });

  it('replaces a spare that died while it waited, and kills its spare when closed', async () => {
    const pool = await readyPool();
    const first = pool.readyPid!;
    process.kill(first, 'SIGKILL');
    const second = await waitFor('another spare', () => (pool.readyPid !== undefined && pool.readyPid !== first ? pool.readyPid : undefined), 20_000);
    await within(pool.close(), 10_000, 'the spare to be gone');
    expect(isProcessAlive(second)).toBe(false);
    expect(pool.take([], {})).toBeUndefined();
  });

  it('exits when its nucleus goes away (the IPC channel closes): no spare outlives its tree', async () => {
    const pool = await readyPool({ refillDelayMs: 60_000 });
    const spare = pool.take([], {})!;
    const exited = exitOf(spare);
    spare.disconnect();
    expect(await within(exited, 10_000, 'the spare to exit')).toEqual({ code: 0, signal: null });
  });

  it('says so, once, when no spare can start, and then forks none', async () => {
    const failures: string[] = [];
    const pool = new SparePool({ execArgv: ['--no-such-node-flag'], refillDelayMs: 10, onFailure: (reason) => failures.push(reason) });
    defer(() => pool.close());
    pool.start();
    await waitFor('the failure', () => failures.length > 0, 20_000);
    expect(failures[0]).toMatch(/exited before it was ready \(code 9\)/);
    pool.start();
    await new Promise((r) => setTimeout(r, 200));
    expect(failures).toHaveLength(1);
    expect(pool.readyPid).toBeUndefined();
  });
});
