import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nucleusPointerPath, readNucleusPointer } from '@cell/host';
import { cellToml, deadProcess, plainCell, startSleeper, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { ownPointer, removePointers, writePointers } from './run-pointers.ts';

const defer = useTeardown();

function tree() {
  return tempTree(defer, {
    'cell.toml': cellToml('root', { entry: false }),
    ...plainCell('cells/api', 'api', '[deps]\nstore = "../store"'),
    ...plainCell('cells/store', 'store'),
  });
}

describe('run pointers', () => {
  it('point every cell of the tree to this nucleus, in a private run/', () => {
    const t = tree();
    writePointers(t);
    const own = ownPointer(t);
    expect(own).toEqual({ pid: process.pid, socket: join(t.root.dir, 'run', 'nucleus.sock'), root: t.root.dir });
    for (const node of t.nodes) {
      expect(readNucleusPointer(node.dir)).toEqual(own);
      expect(statSync(join(node.dir, 'run')).mode & 0o777).toBe(0o700);
      expect(statSync(nucleusPointerPath(node.dir)).mode & 0o777).toBe(0o600);
    }
  });

  it('are removed where they name this nucleus', () => {
    const t = tree();
    writePointers(t);
    removePointers(t);
    for (const node of t.nodes) expect(existsSync(nucleusPointerPath(node.dir))).toBe(false);
  });

  it('are never removed where another live nucleus wrote its own; a dead one\'s are cleared', async () => {
    const t = tree();
    writePointers(t);
    const [other, gone] = [t.nodes.find((n) => n.name === 'api')!, t.nodes.find((n) => n.name === 'store')!];
    const sleeper = await startSleeper(defer);
    const theirs = { pid: sleeper.pid, socket: '/elsewhere/run/nucleus.sock', root: '/elsewhere' };
    writeFileSync(nucleusPointerPath(other.dir), JSON.stringify(theirs));
    writeFileSync(nucleusPointerPath(gone.dir), JSON.stringify({ ...theirs, pid: (await deadProcess()).pid }));
    removePointers(t);
    expect(JSON.parse(readFileSync(nucleusPointerPath(other.dir), 'utf8'))).toEqual(theirs);
    expect(existsSync(nucleusPointerPath(gone.dir))).toBe(false);
    expect(existsSync(nucleusPointerPath(t.root.dir))).toBe(false);
  });
});
