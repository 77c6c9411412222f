import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nucleusPointerPath, readNucleusPointer, replicaSocketPath, replicaSocketPaths, RUN_DIR } from './run-layout.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function cellDir(files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'cell-layout-'));
  dirs.push(dir);
  mkdirSync(join(dir, RUN_DIR));
  for (const f of files) writeFileSync(join(dir, RUN_DIR, f), '');
  return dir;
}

describe('run layout', () => {
  it('finds the sockets of a cell’s replicas, and of an older major kept beside them', () => {
    const dir = cellDir(['inv-0.sock', 'inv-1.sock', 'inv-v1-0.sock', 'inventory-0.sock', 'inv-0.pid']);
    const cell = { name: 'inv', dir };
    expect(replicaSocketPaths(cell).sort()).toEqual([replicaSocketPath(cell, 0), replicaSocketPath(cell, 1)]);
    expect(replicaSocketPaths(cell, 1)).toEqual([join(dir, RUN_DIR, 'inv-v1-0.sock')]);
    expect(replicaSocketPaths(cell, 2).sort()).toEqual([replicaSocketPath(cell, 0), replicaSocketPath(cell, 1)]);
    expect(replicaSocketPaths({ name: 'x', dir: join(dir, 'nope') })).toEqual([]);
  });

  it('reads a nucleus pointer only when its nucleus lives and the file is well formed', () => {
    const dir = cellDir([]);
    expect(readNucleusPointer(dir)).toBeUndefined();
    writeFileSync(nucleusPointerPath(dir), JSON.stringify({ pid: process.pid, socket: '/s', root: '/r' }));
    expect(readNucleusPointer(dir)).toEqual({ pid: process.pid, socket: '/s', root: '/r' });
    writeFileSync(nucleusPointerPath(dir), JSON.stringify({ pid: 2 ** 22 + 12345, socket: '/s', root: '/r' }));
    expect(readNucleusPointer(dir)).toBeUndefined();
    writeFileSync(nucleusPointerPath(dir), '{"pid":"1"}');
    expect(readNucleusPointer(dir)).toBeUndefined();
    writeFileSync(nucleusPointerPath(dir), 'garbage');
    expect(readNucleusPointer(dir)).toBeUndefined();
  });
});
