import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import { runningNucleusPid, treeStatus } from '@cell/runtime';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, waitFor } from '../test-support/fixtures.ts';
import { callCommand } from './call.ts';
import { stopCommand } from './stop.ts';

describe('cell stop', () => {
  const trees: TempTree[] = [];
  let tree: TempTree;
  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc') });
    trees.push(tree);
    const up = runCell(['mitosis', tree.root, '--detach']);
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await Promise.all(trees.map((t) => t.remove()));
  });

  it('stops the whole running tree from any of its cells, nucleus and replicas', async () => {
    const status = await treeStatus(tree.root);
    const replica = status.cells.find((c) => c.name === 'calc')!.replicas[0]!.pid!;
    expect(await stopCommand(join(tree.root, 'cells/calc'))).toBe(`tree ${tree.root} stopped`);
    expect(isProcessAlive(status.nucleus.pid)).toBe(false);
    expect(runningNucleusPid(tree.root)).toBeUndefined();
    await waitFor(() => (isProcessAlive(replica) ? undefined : true), 'the replica to exit');
  });

  it('fails with CELL_E_TREE_NOT_RUNNING once nothing runs (exit 3)', async () => {
    await expect(stopCommand(tree.root)).rejects.toMatchObject({ code: 'CELL_E_TREE_NOT_RUNNING' });
    expect(runCell(['stop', tree.root]).code).toBe(3);
  });

  it('stops a cell started on demand outside any tree', async () => {
    const lone = tempTree({ ...calcCellFiles('.') });
    trees.push(lone);
    const { pid } = (await callCommand(lone.root, 'whoami', undefined, {})) as { pid: number };
    expect(isProcessAlive(pid)).toBe(true);
    expect(await stopCommand(lone.root)).toBe(`stopped 1 standalone process (${pid})`);
    await waitFor(() => (isProcessAlive(pid) ? undefined : true), 'the standalone cell to exit');
  });

  it('refuses a directory without cell.toml with CELL_E_CONFIG_NOT_FOUND (exit 2)', async () => {
    await expect(stopCommand(join(tree.root, 'cells'))).rejects.toMatchObject({ code: 'CELL_E_CONFIG_NOT_FOUND' });
    expect(runCell(['stop', join(tree.root, 'cells')]).code).toBe(2);
  });
});
