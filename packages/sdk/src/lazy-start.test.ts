import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startChildEcho } from './test-fixtures/child-cell.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('what a cell loads to serve', () => {
  it('serves its Unix socket without loading TLS (it comes with the first axon)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cell-lazy-start-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const cell = await startChildEcho(join(dir, 'echo.sock'));
    cleanups.push(() => cell.kill());
    expect(cell.builtins).toContain('net');
    expect(cell.builtins).not.toContain('tls');
  });
});
