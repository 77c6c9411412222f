import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '@cell/runtime';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, userCellFiles } from '../test-support/fixtures.ts';
import { buildCommand } from './build.ts';

/** Builds in process and returns, per cell, whether it was rebuilt. */
async function build(root: string, force = false): Promise<Record<string, boolean>> {
  const seen: BuildResult[] = [];
  await buildCommand(root, { force }, (r) => seen.push(r));
  return Object.fromEntries(seen.map((r) => [r.cell, r.rebuilt]));
}

describe('cell build', () => {
  let tree: TempTree;
  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc'), ...userCellFiles('cells/user') });
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it("builds every cell, with each consumer's bindings, lock and the producer's genome", async () => {
    expect(await build(tree.root)).toEqual({ calc: true, user: true });
    const calc = join(tree.root, 'cells/calc');
    const user = join(tree.root, 'cells/user');
    const genome = JSON.parse(readFileSync(join(calc, '.cell/genome.json'), 'utf8')) as { name: string; version: string; methods: Record<string, unknown> };
    expect(genome).toMatchObject({ name: 'calc', version: '1.0.0' });
    expect(Object.keys(genome.methods).sort()).toEqual(['echo', 'half', 'whoami']);
    expect(existsSync(join(user, '.cell/bindings/calc.ts'))).toBe(true);
    const lock = JSON.parse(readFileSync(join(user, 'cell.lock'), 'utf8')) as { deps: Record<string, { cell: string; version: string }> };
    expect(lock.deps['calc']).toMatchObject({ cell: 'calc', version: '1.0.0' });
  });

  it('does not rebuild a cell whose inputs did not change, and rebuilds everything when forced', async () => {
    // Only the producer is checked here: the runtime rewrites every consumer's bindings on each
    // build (same content, new mtime), so a consumer importing them is always rebuilt today.
    expect((await build(tree.root)).calc).toBe(false);
    expect(await build(tree.root, true)).toEqual({ calc: true, user: true });
    expect((await build(tree.root)).calc).toBe(false);
  });

  it('rebuilds a cell whose source changed', async () => {
    tree.write('cells/calc/src/main.ts', readFileSync(join(tree.root, 'cells/calc/src/main.ts'), 'utf8').replace("'b1'", "'b2'"));
    expect((await build(tree.root)).calc).toBe(true);
    expect(readFileSync(join(tree.root, 'cells/calc/.cell/build/main.mjs'), 'utf8')).toContain('b2');
  });

  it('fails with CELL_E_BUILD_FAILED naming the file of a syntax error', async () => {
    const broken = tempTree({ ...calcCellFiles('.') });
    try {
      broken.write('src/main.ts', 'export const = ;\n');
      const err = await build(broken.root).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'CELL_E_BUILD_FAILED' });
      expect(JSON.stringify((err as { details?: unknown }).details)).toContain('main.ts');
    } finally {
      await broken.remove();
    }
  });

  it('prints one line per cell through the CLI', () => {
    const r = runCell(['build', tree.root]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').sort((a, b) => a.slice(11).localeCompare(b.slice(11)));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^(built {5}|up to date) user \(\d+ ms\)$/);
    expect(lines[0]).toMatch(/^up to date calc \(\d+ ms\)$/);
  });
});
