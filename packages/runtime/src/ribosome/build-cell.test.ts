import { execFileSync, fork } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { readLaunchSpec } from '../standalone/launch-spec.ts';
import { cellToml, errorOf, tempDir, useTeardown, within } from '../test-fixtures/temp-cells.ts';
import { BUILD_DIR, buildCell, MAIN_FILE } from './build-cell.ts';

const defer = useTeardown();

/** A cell whose entry only prints (no SDK: these tests are about the build, not serving). */
function cell(extra = '', main = "console.log('built and running');\n"): string {
  return tempDir(defer, { 'cell.toml': cellToml('printer', { extra }), 'src/main.ts': main });
}

describe('buildCell', () => {
  it('bundles the entry into .cell/build/main.mjs and writes the launch spec', async () => {
    const dir = cell('[life_cycle]\nidle_timeout = "90s"\ngrace = "2s"\nmemory_trim = "20s"');
    const deps = { store: { name: 'store', dir: '/srv/store' } };
    const r = await buildCell(loadCellConfig(dir), deps);
    expect(r).toMatchObject({ cell: 'printer', main: join(dir, MAIN_FILE), rebuilt: true, warnings: [], typecheck: 'checked' });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(execFileSync(process.execPath, [r.main], { encoding: 'utf8', timeout: 20_000 }).trim()).toBe('built and running');
    expect(readLaunchSpec(dir)).toEqual({ name: 'printer', main: MAIN_FILE, idleTimeoutMs: 90_000, memoryTrimMs: 20_000, graceMs: 2000, deps });
  });

  it('rebuilds only when its sources changed, or when forced', async () => {
    const dir = cell();
    const config = loadCellConfig(dir);
    expect((await buildCell(config, {})).rebuilt).toBe(true);
    expect((await buildCell(config, {})).rebuilt).toBe(false);
    expect((await buildCell(config, {}, { force: true })).rebuilt).toBe(true);
    writeFileSync(join(dir, 'src/main.ts'), "console.log('changed');\n");
    expect((await buildCell(config, {})).rebuilt).toBe(true);
  });

  it('writes elsewhere when asked to, and records a never-idling cell as such', async () => {
    const dir = cell();
    const outFile = join(dir, 'elsewhere', 'main.mjs');
    const r = await buildCell(loadCellConfig(dir), {}, { outFile });
    expect(r.main).toBe(outFile);
    expect(existsSync(outFile)).toBe(true);
    expect(readLaunchSpec(dir)?.idleTimeoutMs).toBeNull();
    expect(readLaunchSpec(dir)?.memoryTrimMs).toBeNull(); // the SDK's default
  });

  it('keeps the SDK bundle of a cell built on its own beside its bundle, and only the one it links', async () => {
    const dir = tempDir(defer, {
      'cell.toml': cellToml('alone'),
      'src/main.ts': "import { greet } from '@cell/sdk';\nconsole.log(greet());\n",
      'node_modules/@cell/sdk/package.json': JSON.stringify({ name: '@cell/sdk', type: 'module', exports: { '.': './index.js' } }),
      'node_modules/@cell/sdk/index.js': "export const greet = () => 'first sdk';\n",
    });
    const config = loadCellConfig(dir);
    const sdkBundles = () => readdirSync(join(dir, BUILD_DIR)).filter((f) => /^cell-sdk-[0-9a-f]+\.mjs$/.test(f));
    const r = await buildCell(config, {}, { typecheck: false });
    expect(execFileSync(process.execPath, [r.main], { encoding: 'utf8', timeout: 20_000 }).trim()).toBe('first sdk');
    const [first] = sdkBundles();
    utimesSync(join(dir, BUILD_DIR, first!), new Date(1000), new Date(1000));
    writeFileSync(join(dir, 'node_modules/@cell/sdk/index.js'), "export const greet = () => 'second sdk';\n");
    expect((await buildCell(config, {}, { typecheck: false })).rebuilt).toBe(true);
    expect(execFileSync(process.execPath, [r.main], { encoding: 'utf8', timeout: 20_000 }).trim()).toBe('second sdk');
    expect(sdkBundles()).toHaveLength(1);
    expect(sdkBundles()[0]).not.toBe(first);
  });

  it('refuses a cell without an entry (CELL_E_INVALID_ARGUMENT)', async () => {
    const dir = tempDir(defer, { 'cell.toml': cellToml('group', { entry: false }) });
    expect((await errorOf(() => buildCell(loadCellConfig(dir), {}))).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it('reports a build error as CELL_E_BUILD_FAILED', async () => {
    const dir = cell('', 'const x = ;\n');
    const err = await errorOf(() => buildCell(loadCellConfig(dir), {}));
    expect(err.code).toBe('CELL_E_BUILD_FAILED');
    expect((err.details['errors'] as string[])[0]).toMatch(/^src\/main\.ts:1:/);
  });

  it('type-checks the cell: one that does not compile gets neither bundle nor launch spec, unless the check is off', async () => {
    const dir = cell('', "const n: number = 'one';\nconsole.log(n);\n");
    const err = await errorOf(() => buildCell(loadCellConfig(dir), {}));
    expect(err.code).toBe('CELL_E_TYPECHECK_FAILED');
    expect(err.details['errors']).toEqual([expect.stringMatching(/^src\/main\.ts\(1,7\): error TS2322: Type 'string' is not assignable to type 'number'/)]);
    expect(existsSync(join(dir, MAIN_FILE))).toBe(false);
    expect(existsSync(join(dir, '.cell/launch.json'))).toBe(false);
    expect(await buildCell(loadCellConfig(dir), {}, { typecheck: false })).toMatchObject({ rebuilt: true, typecheck: 'off' });
    expect(existsSync(join(dir, MAIN_FILE))).toBe(true);
  });

  it('makes the process join the cgroups it is given before any of its own code runs', async () => {
    const dir = cell('', "import { readFileSync } from 'node:fs';\nconsole.log(readFileSync(process.env.PROCS_A!, 'utf8'));\n");
    const { main } = await buildCell(loadCellConfig(dir), {});
    const [a, b] = [join(dir, 'a.procs'), join(dir, 'b.procs')];
    writeFileSync(a, '');
    writeFileSync(b, '');
    const out = execFileSync(process.execPath, [main], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, PROCS_A: a, CELL_CGROUP_PROCS: `${a}:${b}` } });
    const pid = readFileSync(b, 'utf8');
    expect(pid).toMatch(/^\d+$/);
    expect(out.trim()).toBe(pid); // written before the cell's own first line ran
  });

  it('makes a process started by a nucleus exit when the nucleus goes away', async () => {
    const dir = cell('', "process.send!('up');\nsetInterval(() => {}, 1000);\n");
    const { main } = await buildCell(loadCellConfig(dir), {});
    const child = fork(main, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const exited = once(child, 'exit');
    defer(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'));
    await within(once(child, 'message'), 10_000, 'the cell process to run its own code'); // so the banner ran
    child.disconnect();
    const [code] = (await within(exited, 10_000, 'the cell process to exit after its nucleus left')) as [number | null];
    expect(code).toBe(0);
  });
});
