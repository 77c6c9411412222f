import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '@cell/sdk';
import { CLI, load, tempTree, type TempTree } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';
import { workContract } from './work-contract.ts';

const contract = workContract();
type LogLine = { msg: string; cell?: string; err?: string; code?: string };

/** Polls `probe` until it returns something truthy, at most `timeoutMs`. */
async function until<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('cell mitosis --watch', () => {
  let tree: TempTree | undefined;
  let nucleus: ChildProcess | undefined;
  afterEach(() => {
    if (nucleus?.exitCode === null) nucleus.kill('SIGKILL');
    tree?.remove();
  });

  it('a save reloads the cell under load with no failed call; a type error is shown and the old version keeps serving', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: 'replicas = 2' }) });
    const lines: LogLine[] = [];
    nucleus = spawn(process.execPath, [CLI, 'mitosis', tree.root, '--watch', '--json'], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    nucleus.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop()!;
      for (const p of parts) if (p.startsWith('{')) lines.push(JSON.parse(p) as LogLine);
    });
    const exited = new Promise<number | null>((resolve) => nucleus!.once('exit', (code) => resolve(code)));
    await until('the watch to start', () => lines.some((l) => l.msg === 'watching for changes'));

    const client = connect(contract, { cell: join(tree.root, 'cells/work') });
    const versions = new Set<string>();
    const traffic = load(async () => versions.add((await client.whoami({})).version), 8);
    await until('calls to v1', () => versions.has('v1'));

    tree.write('cells/work/src/main.ts', workCellFiles('cells/work', { version: 'v2' })['cells/work/src/main.ts']!);
    await until('the reload', () => lines.some((l) => l.msg === 'reloaded after a change' && l.cell === 'work'));
    await until('every replica on v2', async () => (await client.whoami({})).version === 'v2' && (await client.whoami({})).version === 'v2');

    // A type error: refused with file, line and column; v2 keeps serving.
    const broken = workCellFiles('cells/work', { version: 'v3' })['cells/work/src/main.ts']!.replace("const VERSION = 'v3';", "const VERSION: number = 'v3';");
    tree.write('cells/work/src/main.ts', broken);
    const refused = await until('the refusal', () => lines.find((l) => l.msg.startsWith('not reloaded') && l.cell === 'work'));
    expect(refused.code).toBe('CELL_E_TYPECHECK_FAILED');
    expect(refused.err).toMatch(/src\/main\.ts\(\d+,\d+\): error TS2322/);
    expect((await client.whoami({})).version).toBe('v2');

    const result = await traffic.stop();
    await client.$close();
    expect(result.errors).toEqual([]);
    expect(result.failed).toBe(0);
    expect(versions.has('v3')).toBe(false);
    nucleus.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);

  it('refuses --watch with --detach: the watch must run where its errors can be seen', async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n' });
    const child = spawn(process.execPath, [CLI, 'mitosis', tree.root, '--watch', '--detach'], { env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr).toContain('--watch runs in the foreground');
  }, 60_000);
});
