import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processStartTime } from '@cell/host';
import { deadProcess, errorOf, startSleeper, tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { acquireTreeLock, nucleusPidPath, runningNucleusPid } from './tree-lock.ts';

const defer = useTeardown();

/** A tree root whose run/nucleus.pid holds `record`. */
function rootWithPidFile(record: unknown): string {
  const root = tempDir(defer);
  mkdirSync(join(root, 'run'));
  writeFileSync(nucleusPidPath(root), JSON.stringify(record));
  return root;
}

describe('tree lock', () => {
  it('is run/nucleus.pid, taken in a private run/ and released', () => {
    const root = tempDir(defer);
    expect(nucleusPidPath(root)).toBe(join(root, 'run', 'nucleus.pid'));
    expect(runningNucleusPid(root)).toBeUndefined();
    const lock = acquireTreeLock(root);
    expect(statSync(join(root, 'run')).mode & 0o777).toBe(0o700);
    expect(runningNucleusPid(root)).toBe(process.pid);
    lock.release();
    expect(existsSync(nucleusPidPath(root))).toBe(false);
    expect(runningNucleusPid(root)).toBeUndefined();
  });

  it('is refused with CELL_E_TREE_RUNNING while another nucleus holds it', async () => {
    const sleeper = await startSleeper(defer);
    const root = rootWithPidFile({ pid: sleeper.pid, startTime: sleeper.startTime });
    expect(runningNucleusPid(root)).toBe(sleeper.pid);
    const err = await errorOf(() => acquireTreeLock(root));
    expect(err.code).toBe('CELL_E_TREE_RUNNING');
    expect(err.details).toEqual({ pid: sleeper.pid, root });
  });

  it('is refused to a second nucleus of the same process', async () => {
    const root = tempDir(defer);
    const lock = acquireTreeLock(root);
    defer(() => lock.release());
    const err = await errorOf(() => acquireTreeLock(root));
    expect(err.code).toBe('CELL_E_TREE_RUNNING');
    expect(err.details['pid']).toBe(process.pid);
  });

  it('is taken over from a nucleus that is gone, or whose pid now names another process', async () => {
    const dead = rootWithPidFile(await deadProcess());
    expect(runningNucleusPid(dead)).toBeUndefined();
    acquireTreeLock(dead).release();

    const reused = rootWithPidFile({ pid: process.ppid, startTime: processStartTime(process.ppid)! + 1 });
    expect(runningNucleusPid(reused)).toBeUndefined();
    const lock = acquireTreeLock(reused);
    expect(runningNucleusPid(reused)).toBe(process.pid);
    lock.release();
  });
});
