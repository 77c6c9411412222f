import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChildEcho, type ChildCell } from './test-fixtures/child-cell.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('compile cache', () => {
  it('is on disk once a cell serves, even when the cell is then killed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cell-compile-cache-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cache = join(dir, 'cache');
    const cell: ChildCell = await startChildEcho(join(dir, 'echo.sock'), { NODE_COMPILE_CACHE: cache });
    cleanups.push(() => cell.kill());
    // Bounded: the flush runs right after the cell listens; SIGKILL leaves Node no exit to write it at.
    for (let i = 0; i < 250 && filesUnder(cache).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await cell.kill('SIGKILL');
    expect(filesUnder(cache).length).toBeGreaterThan(0);
  });
});
