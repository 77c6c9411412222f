import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import { cell, cellOf, status, tempTree, type TempTree } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';

let tree: TempTree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

/** Tree A is one cell (its own root); tree B depends on it by path. */
function twoTrees(): { a: string; b: string } {
  tree = tempTree({
    ...workCellFiles('a'),
    'b/cell.toml': '[cell]\nname = "other"\nversion = "1.0.0"\n\n[deps]\nwork = "../a"\n',
  });
  return { a: join(tree.root, 'a'), b: join(tree.root, 'b') };
}

const lastJson = (stderr: string) => JSON.parse(stderr.trim().split('\n').at(-1)!) as { code: string; details: Record<string, unknown> };
const whoami = (dir: string) => JSON.parse(cell(['call', dir, 'whoami']).stdout) as { pid: number };

describe('a tree never touches the run state of another', () => {
  it('B depending on a cell that runs as its own tree A is refused before it starts; stopping B leaves A running, visible and stoppable', { timeout: 120_000 }, () => {
    const { a, b } = twoTrees();
    expect(cell(['mitosis', a, '--detach']).code).toBe(0);
    const pointer = readFileSync(join(a, 'run/nucleus.json'), 'utf8');
    const served = whoami(a).pid;

    const refused = cell(['mitosis', b, '--detach', '--json']);
    expect(refused.code).toBe(1);
    expect(lastJson(refused.stderr)).toMatchObject({ code: 'CELL_E_TREE_RUNNING', details: { cell: 'work', root: a } });
    expect(cell(['stop', b]).code).toBe(3); // B never ran

    expect(readFileSync(join(a, 'run/nucleus.json'), 'utf8')).toBe(pointer);
    expect(cellOf(status(a), 'work').state).toBe('ready');
    expect(whoami(a).pid).toBe(served);
    const nucleus = status(a).nucleus.pid;
    expect(cell(['stop', a]).code).toBe(0);
    expect(isProcessAlive(served)).toBe(false);
    expect(isProcessAlive(nucleus)).toBe(false);
  });

  it('B depending on a cell started on its own (cell call) is refused before it starts, and leaves no pointer that would hide it', { timeout: 120_000 }, () => {
    const { a, b } = twoTrees();
    const alone = whoami(a).pid; // started on demand, outside any tree
    const refused = cell(['mitosis', b, '--detach', '--json']);
    expect(refused.code).toBe(1);
    expect(lastJson(refused.stderr)).toMatchObject({ code: 'CELL_E_TREE_RUNNING', details: { cell: 'work', pid: alone } });
    expect(existsSync(join(a, 'run/nucleus.json'))).toBe(false);
    expect(cell(['stop', b]).code).toBe(3);
    expect(whoami(a).pid).toBe(alone);
    const stopped = cell(['stop', a]);
    expect(stopped.stdout).toContain(`stopped 1 standalone process (${alone})`);
  });

  it('a command naming a directory that is not a cell of the running tree prints a documented code', { timeout: 120_000 }, () => {
    const { a } = twoTrees();
    tree!.write('a/extra/cell.toml', '[cell]\nname = "extra"\nversion = "1.0.0"\n');
    expect(cell(['mitosis', a, '--detach']).code).toBe(0);
    const r = cell(['reload', join(a, 'extra')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error CELL_E_CONFIG_NOT_FOUND: .*extra is not a cell of the tree running at /);
    expect(cell(['stop', a]).code).toBe(0);
  });
});
