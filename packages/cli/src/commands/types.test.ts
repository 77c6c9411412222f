import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, userCellFiles } from '../test-support/fixtures.ts';
import { typesCommand } from './types.ts';

describe('cell types', () => {
  let tree: TempTree;
  const user = () => join(tree.root, 'cells/user');

  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc'), ...userCellFiles('cells/user') });
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it("writes each dependency's bindings from the producer's source and locks its genome", async () => {
    const [t, ...rest] = await typesCommand(tree.root, {});
    expect(rest).toEqual([]);
    expect(t).toMatchObject({ consumer: 'user', dep: 'calc', producer: 'calc', source: 'source', action: 'created', genome: { name: 'calc', version: '1.0.0' } });
    expect(t!.bindingsFile).toContain(join('cells', 'user', '.cell', 'bindings', 'calc.ts'));
    const bindings = readFileSync(join(user(), '.cell/bindings/calc.ts'), 'utf8');
    expect(bindings).toContain('connectCalc');
    const lock = JSON.parse(readFileSync(join(user(), 'cell.lock'), 'utf8')) as { deps: Record<string, { fingerprint: string }> };
    expect(lock.deps['calc']!.fingerprint).toBe(t!.genome.fingerprint);
  });

  it('changes nothing when nothing changed', async () => {
    const [t] = await typesCommand(tree.root, {});
    expect(t!.action).toBe('unchanged');
  });

  it('accepts a breaking change into the lock (cell types is how a consumer takes it up)', async () => {
    const original = readFileSync(join(tree.root, 'cells/calc/src/contract.ts'), 'utf8');
    tree.write('cells/calc/src/contract.ts', original.replace("echo: unary({ input: Type.Object({ n: Type.Integer() })", "echo: unary({ input: Type.Object({ m: Type.Integer() })"));
    try {
      const [t] = await typesCommand(tree.root, {});
      expect(t!.action).toBe('updated');
      expect(t!.report?.breaking.length).toBeGreaterThan(0);
      expect(readFileSync(join(user(), '.cell/bindings/calc.ts'), 'utf8')).toMatch(/\bm: number/);
    } finally {
      tree.write('cells/calc/src/contract.ts', original);
    }
    expect((await typesCommand(tree.root, {}))[0]!.action).toBe('updated');
  });

  it('--from-source takes the producer\'s contract module (not the running cell)', async () => {
    const [t] = await typesCommand(tree.root, { fromSource: true });
    expect(t).toMatchObject({ source: 'source', dep: 'calc' });
  });

  it('regenerates bindings offline from cell.lock alone', async () => {
    rmSync(join(user(), '.cell/bindings'), { recursive: true, force: true });
    const [t] = await typesCommand(tree.root, { offline: true });
    expect(t).toMatchObject({ source: 'lock', dep: 'calc' });
    expect(existsSync(join(user(), '.cell/bindings/calc.ts'))).toBe(true);
  });

  it('fails offline with CELL_E_BUILD_FAILED when nothing is locked yet (exit 2 through the CLI)', async () => {
    const fresh = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc'), ...userCellFiles('cells/user') });
    try {
      await expect(typesCommand(fresh.root, { offline: true })).rejects.toMatchObject({ code: 'CELL_E_BUILD_FAILED' });
      expect(existsSync(join(fresh.root, 'cells/user/cell.lock'))).toBe(false);
      expect(runCell(['types', fresh.root, '--offline']).code).toBe(2);
    } finally {
      await fresh.remove();
    }
  });
});
