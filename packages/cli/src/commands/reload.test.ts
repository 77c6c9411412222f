import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, waitFor } from '../test-support/fixtures.ts';
import { callCommand } from './call.ts';
import { formatConsumersReload, formatReload, reloadCommand } from './reload.ts';

describe('cell reload (one running tree)', () => {
  let tree: TempTree;
  const calc = () => join(tree.root, 'cells/calc');
  const whoami = async () => (await callCommand(calc(), 'whoami', undefined, {})) as { pid: number; build: string };
  const setBuild = (build: string) => tree.write('cells/calc/src/main.ts', readFileSync(join(calc(), 'src/main.ts'), 'utf8').replace(/const BUILD = '[^']*'/, `const BUILD = '${build}'`));

  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc') });
    const up = runCell(['mitosis', tree.root, '--detach']);
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('replaces the replica with a new process even when nothing changed', async () => {
    const before = await whoami();
    expect(await reloadCommand(calc())).toEqual({ replaced: 1, rebuilt: false, keptMajor: null });
    const after = await whoami();
    expect(after.pid).not.toBe(before.pid);
    expect(after.build).toBe('b1');
    await waitFor(() => (isProcessAlive(before.pid) ? undefined : true), 'the old replica to exit');
  });

  it('rebuilds a changed cell and serves the new code', async () => {
    setBuild('b2');
    expect(await reloadCommand(calc())).toEqual({ replaced: 1, rebuilt: true, keptMajor: null });
    expect((await whoami()).build).toBe('b2');
  });

  it('refuses code that does not build with CELL_E_BUILD_FAILED; the running replica keeps serving', async () => {
    const before = await whoami();
    const good = readFileSync(join(calc(), 'src/main.ts'), 'utf8');
    tree.write('cells/calc/src/main.ts', `${good}\nexport const = ;\n`);
    try {
      await expect(reloadCommand(calc())).rejects.toMatchObject({ code: 'CELL_E_BUILD_FAILED' });
      expect(await whoami()).toEqual(before);
    } finally {
      tree.write('cells/calc/src/main.ts', good);
    }
  });

  it('--with-consumers on a cell nothing depends on reloads it alone, and says so', () => {
    const r = runCell(['reload', calc(), '--with-consumers']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([expect.stringMatching(/^calc 1\.0\.0: (rebuilt|build unchanged); replaced 1 replica$/), '(no cell of the tree depends on it)']);
  });

  it('refuses --with-consumers with --no-typecheck (exit 2), reloading nothing', () => {
    const r = runCell(['reload', calc(), '--with-consumers', '--no-typecheck']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CELL_E_INVALID_ARGUMENT');
    expect(r.stdout).toBe('');
  });

  it('prints what it did through the CLI (exit 0), and exit 3 where no tree runs', async () => {
    const r = runCell(['reload', calc()]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^(rebuilt|build unchanged); replaced 1 replica$/);
    const idle = tempTree({ ...calcCellFiles('.') });
    try {
      await expect(reloadCommand(idle.root)).rejects.toMatchObject({ code: 'CELL_E_TREE_NOT_RUNNING' });
      expect(runCell(['reload', idle.root]).code).toBe(3);
    } finally {
      await idle.remove();
    }
  });
});

describe('formatReload / formatConsumersReload', () => {
  it('says what was rebuilt and replaced, the producer first, then each consumer in the order they were reloaded', () => {
    expect(formatReload({ replaced: 3, rebuilt: true, keptMajor: 1 })).toBe('rebuilt; replaced 3 replicas; major 1 keeps running beside it for its consumers');
    expect(
      formatConsumersReload({
        producer: { cell: 'payments', version: '1.1.0', replaced: 1, rebuilt: true, keptMajor: null },
        consumers: [{ cell: 'orders', replaced: 1, rebuilt: true }, { cell: 'audit', replaced: 2, rebuilt: false }],
      }).split('\n'),
    ).toEqual(['payments 1.1.0: rebuilt; replaced 1 replica', 'orders: rebuilt; replaced 1 replica', 'audit: build unchanged; replaced 2 replicas']);
  });
});
