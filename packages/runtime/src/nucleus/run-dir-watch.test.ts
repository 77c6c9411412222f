import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nucleusPointerPath, readNucleusPointer } from '@cell/host';
import { capturedLogger, cellToml, plainCell, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { RunDirWatch } from './run-dir-watch.ts';
import { writePointers } from './run-pointers.ts';
import { acquireTreeLock, nucleusPidPath, runningNucleusPid } from './tree-lock.ts';

const defer = useTeardown();

describe('RunDirWatch', () => {
  it('puts back the pid file, the pointers and the control socket, and restarts cells whose sockets vanished', async () => {
    const tree = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false }), ...plainCell('cells/a', 'a') });
    const lock = acquireTreeLock(tree.root.dir);
    defer(() => lock.release());
    writePointers(tree);
    const calls: string[] = [];
    let lost = ['a'];
    const watch = new RunDirWatch(
      {
        tree,
        reopenControl: async () => void calls.push('reopen'),
        cellsWithLostSockets: () => lost,
        restartCell: async (name) => {
          calls.push(`restart ${name}`);
          lost = [];
        },
      },
      capturedLogger().logger,
    );
    for (const node of tree.nodes) rmSync(join(node.dir, 'run'), { recursive: true, force: true });
    await watch.check();
    expect(runningNucleusPid(tree.root.dir)).toBe(process.pid);
    for (const node of tree.nodes) expect(readNucleusPointer(node.dir)?.pid).toBe(process.pid);
    expect(calls).toEqual(['reopen', 'restart a']);
    await watch.check(); // nothing more to repair (the control socket file is the owner's to make)
    expect(calls).toEqual(['reopen', 'restart a', 'reopen']);
    expect(existsSync(nucleusPidPath(tree.root.dir)) && existsSync(nucleusPointerPath(tree.nodes[1]!.dir))).toBe(true);
  });
});
