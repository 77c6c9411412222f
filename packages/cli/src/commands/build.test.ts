import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '@cell/runtime';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, userCellFiles } from '../test-support/fixtures.ts';
import { buildCommand, formatTypecheck, NO_TYPECHECK_WARNING } from './build.ts';

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

  it('prints one line per cell through the CLI, then one on the type-check', () => {
    const r = runCell(['build', tree.root]);
    expect(r.code, r.stderr).toBe(0);
    const all = r.stdout.trim().split('\n');
    expect(all.at(-1)).toMatch(/^type-check: \d checked, \d up to date \(TypeScript 7\.\d+\.\d+, \d+ ms\)$/);
    const lines = all.slice(0, -1).sort((a, b) => a.slice(11).localeCompare(b.slice(11)));
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^(built {5}|up to date) user \(\d+ ms\)$/);
    expect(lines[0]).toMatch(/^up to date calc \(\d+ ms\)$/);
  });
});

describe('formatTypecheck', () => {
  it('counts the cells checked, up to date and without TypeScript', () => {
    const cells = (statuses: string[]) => statuses.map((status, i) => ({ cell: `c${i}`, dir: `/t/c${i}`, status, diagnostics: [] })) as never;
    expect(formatTypecheck({ compiler: '7.0.2', programs: 1, durationMs: 1234.4, cells: cells(['checked', 'up-to-date', 'up-to-date']) })).toBe(
      'type-check: 1 checked, 2 up to date (TypeScript 7.0.2, 1234 ms)',
    );
    expect(formatTypecheck({ compiler: '', programs: 0, durationMs: 1, cells: cells(['skipped']) })).toBe('type-check: 0 checked, 0 up to date, 1 without TypeScript to check (TypeScript not needed, 1 ms)');
  });

  it('--no-typecheck warns on every use, and builds what does not compile', async () => {
    const t = tempTree({ ...calcCellFiles('.') });
    try {
      t.write('src/extra.ts', "export const n: number = 'not a number';\n");
      t.write('src/main.ts', `import './extra.ts';\n${readFileSync(join(t.root, 'src/main.ts'), 'utf8')}`);
      const refused = runCell(['build', t.root]);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/error CELL_E_TYPECHECK_FAILED: calc does not type-check \(1 error\):\n {2}src\/extra\.ts\(1,14\): error TS2322: /);
      for (let i = 0; i < 2; i++) {
        const r = runCell(['build', t.root, '--no-typecheck']);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe(`warning: ${NO_TYPECHECK_WARNING}\n`);
      }
    } finally {
      await t.remove();
    }
  });
});
