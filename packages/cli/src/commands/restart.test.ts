import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDynamic } from '@cell/sdk';
import { treeStatus } from '@cell/runtime';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, waitFor } from '../test-support/fixtures.ts';
import { restartCommand } from './restart.ts';

describe('cell restart (one running tree)', () => {
  let tree: TempTree;
  const calc = () => join(tree.root, 'cells/calc');
  const pids = async () => (await treeStatus(tree.root)).cells.find((c) => c.name === 'calc')!.replicas.map((r) => r.pid);

  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc', { toml: 'replicas = 2\n[life_cycle]\ngrace = "2s"' }) });
    const up = runCell(['mitosis', tree.root, '--detach']);
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('replaces every replica, one at a time, while calls keep coming: not one call fails', async () => {
    const before = await pids();
    const client = connectDynamic({ cell: calc(), name: 'calc', timeoutMs: 10_000, caller: { cell: 'test' } });
    const servedBy = new Set<number>();
    const failures: string[] = [];
    let ok = 0;
    let running = true;
    const lanes = Array.from({ length: 8 }, async () => {
      while (running) {
        try {
          servedBy.add(((await client.call('whoami', {})) as { pid: number }).pid);
          ok++;
        } catch (err) {
          failures.push(`${(err as { code?: string }).code}: ${(err as Error).message}`);
        }
      }
    });
    try {
      await waitFor(() => (ok >= 50 ? true : undefined), 'calls to flow');
      expect(await restartCommand(calc())).toEqual({ replaced: 2 });
      const after = await pids();
      // Calls go on until each new replica has served some: the restart is over for callers too.
      await waitFor(() => (after.every((p) => p !== null && servedBy.has(p)) ? true : undefined), 'calls served by the new replicas');
      expect(after.some((p) => before.includes(p))).toBe(false);
    } finally {
      running = false;
      await Promise.all(lanes);
      await client.$close();
    }
    expect(failures).toEqual([]);
  });

  it('finds the cell by name from the tree around cwd, and prints what it did (exit 0)', async () => {
    const before = await pids();
    const r = runCell(['restart', 'calc'], { cwd: tree.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('restarted calc: replaced 2 replicas');
    expect((await pids()).some((p) => before.includes(p))).toBe(false);
  });

  it('refuses a name that is no cell of the tree (exit 2), and exits 3 where no tree runs', async () => {
    const typo = runCell(['restart', 'clac'], { cwd: tree.root });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('CELL_E_CONFIG_NOT_FOUND');
    const idle = tempTree({ ...calcCellFiles('.') });
    try {
      await expect(restartCommand(idle.root)).rejects.toMatchObject({ code: 'CELL_E_TREE_NOT_RUNNING' });
      expect(runCell(['restart', idle.root]).code).toBe(3);
    } finally {
      await idle.remove();
    }
  });
});
