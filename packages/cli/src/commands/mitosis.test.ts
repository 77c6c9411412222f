import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Compile } from 'typebox/compile';
import { isProcessAlive, TreeStatus } from '@cell/host';
import { runningNucleusPid, treeStatus } from '@cell/runtime';
import { calcCellFiles, CLI, cliEnv, ROOT_TOML, runCell, tempTree, type TempTree, waitFor } from '../test-support/fixtures.ts';
import { mitosisCommand } from './mitosis.ts';
import { stopCommand } from './stop.ts';

const checkStatus = Compile(TreeStatus);

/** Runs `fn` with process.stdout/stderr captured (the command prints the tree and hints). */
async function captured<T>(fn: () => Promise<T>): Promise<{ value: T; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { value: await fn(), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('cell mitosis --detach (one tree of one trivial cell)', () => {
  let tree: TempTree;

  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc') });
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('returns once every cell is ready, leaving the tree running; prints the status as JSON with --json', () => {
    const r = runCell(['mitosis', tree.root, '--detach', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const status = JSON.parse(r.stdout) as TreeStatus;
    expect([...checkStatus.Errors(status)]).toEqual([]);
    expect(status.root).toBe(tree.root);
    expect(status.nucleus.phase).toBe('running');
    expect(status.cells.map((c) => [c.name, c.state])).toEqual([
      ['root', 'group'],
      ['calc', 'ready'],
    ]);
    // The nucleus outlives the command that started it.
    expect(runningNucleusPid(tree.root)).toBe(status.nucleus.pid);
    expect(isProcessAlive(status.nucleus.pid)).toBe(true);
  });

  it('refuses a second nucleus on the running tree with CELL_E_TREE_RUNNING, naming the running one', async () => {
    const pid = runningNucleusPid(tree.root);
    expect(pid).toBeDefined();
    const err = await mitosisCommand(tree.root, { detach: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CELL_E_TREE_RUNNING', details: { pid } });
    const again = runCell(['mitosis', tree.root, '--detach', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr)).toMatchObject({ code: 'CELL_E_TREE_RUNNING', details: { pid } });
    expect(runningNucleusPid(tree.root)).toBe(pid);
  });

  it('is stopped by cell stop, and can then be detached again', async () => {
    const first = runningNucleusPid(tree.root)!;
    expect(await stopCommand(tree.root)).toContain(tree.root);
    expect(isProcessAlive(first)).toBe(false);
    expect(runningNucleusPid(tree.root)).toBeUndefined();
    const { value: code, stdout } = await captured(() => mitosisCommand(tree.root, { detach: true }));
    expect(code).toBe(0);
    expect(stdout).toMatch(/calc\s+1\.0\.0\s+ready/);
    const status = await treeStatus(tree.root);
    expect(status.cells.find((c) => c.name === 'calc')?.state).toBe('ready');
    expect(status.nucleus.pid).not.toBe(first);
  });
});

describe('cell mitosis, before anything starts', () => {
  const trees: TempTree[] = [];
  afterAll(async () => {
    await Promise.all(trees.map((t) => t.remove()));
  });

  it('exits 2 on a broken config, naming every problem, without forking a nucleus', async () => {
    const tree = tempTree({
      'cell.toml': ROOT_TOML,
      ...calcCellFiles('cells/calc', { toml: '\n[resources]\nmemory = "12 potatoes"\n' }),
      'cells/other/cell.toml': '[cell]\nname = "other"\nversion = "1.0.0"\ncolour = "red"\n',
    });
    trees.push(tree);
    const r = runCell(['mitosis', tree.root, '--detach']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(join(tree.root, 'cells/calc/cell.toml'));
    expect(r.stderr).toContain(join(tree.root, 'cells/other/cell.toml'));
    const err = await mitosisCommand(tree.root, { detach: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CELL_E_CONFIG_INVALID' });
    expect((err as { details: { problems: unknown[] } }).details.problems).toHaveLength(2);
    // Nothing was forked: the daemon's output file and pid file never appeared.
    expect(existsSync(join(tree.root, 'log', 'nucleus.out'))).toBe(false);
    expect(existsSync(join(tree.root, 'run', 'nucleus.pid'))).toBe(false);
  });

  it('refuses a directory with no cell.toml with CELL_E_CONFIG_NOT_FOUND', async () => {
    const tree = tempTree({});
    trees.push(tree);
    await expect(mitosisCommand(tree.root, { detach: true })).rejects.toMatchObject({ code: 'CELL_E_CONFIG_NOT_FOUND' });
    expect(runCell(['mitosis', tree.root, '--detach']).code).toBe(2);
  });

  it('exits 1 when a cell fails to start, naming it, and leaves the rest running', async () => {
    const tree = tempTree({
      'cell.toml': ROOT_TOML,
      ...calcCellFiles('cells/calc'),
      ...calcCellFiles('cells/broken', { name: 'broken', toml: '\n[life_cycle]\nrestart = { max = 0 }\n' }),
      'cells/broken/src/main.ts': "throw new Error('boom at start');\n",
    });
    trees.push(tree);
    const r = runCell(['mitosis', tree.root, '--detach', '--json']);
    expect(r.code, r.stderr).toBe(1);
    const status = JSON.parse(r.stdout) as TreeStatus;
    expect(Object.fromEntries(status.cells.map((c) => [c.name, c.state]))).toMatchObject({ calc: 'ready', broken: 'failed' });
    expect(r.stderr).toContain('broken');
    expect(runningNucleusPid(tree.root)).toBe(status.nucleus.pid);
  });
});

describe('cell mitosis in the foreground', () => {
  let tree: TempTree;
  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc') });
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('supervises the tree until SIGTERM, then stops it gracefully and exits 0, logging JSON lines', async () => {
    const child = spawn(process.execPath, [CLI, 'mitosis', tree.root, '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const status = await waitFor(async () => {
        const s = await treeStatus(tree.root).catch(() => undefined);
        return s?.nucleus.phase === 'running' && s.cells.some((c) => c.name === 'calc' && c.state === 'ready') ? s : undefined;
      }, 'the foreground tree to be ready', 60_000);
      expect(status.nucleus.pid).toBe(child.pid);
      const replica = status.cells.find((c) => c.name === 'calc')!.replicas[0]!.pid!;
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await waitFor(() => (isProcessAlive(replica) ? undefined : true), 'the replica to exit with its nucleus');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { msg: string });
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(typeof l.msg).toBe('string');
  });
});
