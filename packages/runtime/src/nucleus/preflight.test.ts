import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCellTree } from '@cell/config';
import { nucleusPointerPath, privateRunDir, processStartTime } from '@cell/host';
import { refuseForeignCells, refuseLongSocketPaths } from './preflight.ts';

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function tree(base: string, cells: string[]): string {
  mkdirSync(base, { recursive: true });
  writeFileSync(join(base, 'cell.toml'), '[cell]\nname = "root"\nversion = "1.0.0"\n');
  for (const c of cells) {
    mkdirSync(join(base, 'cells', c, 'src'), { recursive: true });
    writeFileSync(join(base, 'cells', c, 'cell.toml'), `[cell]\nname = "${c}"\nversion = "1.0.0"\nentry = "src/main.ts"\n`);
    writeFileSync(join(base, 'cells', c, 'src', 'main.ts'), '');
  }
  return base;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cell-preflight-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('preflight', () => {
  it('refuses a tree whose sockets would pass the 107-byte limit, naming one', () => {
    const base = tree(join(tempDir(), 'a'.repeat(40), 'b'.repeat(30)), ['a-cell-with-a-rather-long-name']);
    expect(() => refuseLongSocketPaths(loadCellTree(base))).toThrow(expect.objectContaining({ code: 'CELL_E_INVALID_ARGUMENT' }));
    expect(() => refuseLongSocketPaths(loadCellTree(tree(join(tempDir(), 't'), ['work'])))).not.toThrow();
  });

  it('refuses a tree one of whose cells another live nucleus runs, and ignores a dead one', async () => {
    const base = tree(join(tempDir(), 't'), ['work']);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanup.push(() => other.kill('SIGKILL'));
    const work = join(base, 'cells', 'work');
    privateRunDir(work);
    writeFileSync(nucleusPointerPath(work), JSON.stringify({ pid: other.pid, socket: '/x/run/nucleus.sock', root: '/x' }));
    expect(() => refuseForeignCells(loadCellTree(base))).toThrow(expect.objectContaining({ code: 'CELL_E_TREE_RUNNING', details: expect.objectContaining({ pid: other.pid }) }));
    other.kill('SIGKILL');
    await new Promise((resolve) => other.once('exit', resolve));
    expect(() => refuseForeignCells(loadCellTree(base))).not.toThrow();
  });

  it('refuses a tree one of whose cells runs on its own (started on demand), naming its pid, and ignores a dead one', async () => {
    const base = tree(join(tempDir(), 't'), ['work']);
    const alone = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    cleanup.push(() => alone.kill('SIGKILL'));
    const work = join(base, 'cells', 'work');
    privateRunDir(work);
    writeFileSync(join(work, 'run', 'work-0.pid'), JSON.stringify({ pid: alone.pid, startTime: processStartTime(alone.pid!) }));
    expect(() => refuseForeignCells(loadCellTree(base))).toThrow(expect.objectContaining({ code: 'CELL_E_TREE_RUNNING', details: expect.objectContaining({ cell: 'work', pid: alone.pid }) }));
    alone.kill('SIGKILL');
    await new Promise((resolve) => alone.once('exit', resolve));
    expect(() => refuseForeignCells(loadCellTree(base))).not.toThrow();
  });
});
