import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calcCellFiles, runCell, tempTree, type TempTree, useRunningCalcTree } from '../test-support/fixtures.ts';
import { type CellDescription, describeCommand } from './describe.ts';

describe('cell describe (a running tree)', () => {
  const running = useRunningCalcTree();
  const calc = () => join(running().root, 'cells/calc');

  it('gives the live genome, version, fingerprint and every replica of the running cell', async () => {
    const d = await describeCommand(calc());
    expect(d).toMatchObject({ cell: 'calc', dir: calc(), version: '1.0.0', source: 'live', note: null, children: [] });
    expect(Object.keys(d.genome!.methods)).toEqual(['echo', 'half', 'whoami']);
    expect(Object.keys(d.genome!.methods['half']!.errors)).toEqual(['Odd']);
    expect(d.genome!.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d.replicas.wanted).toBe(2);
    expect(d.replicas.running!.map((r) => [r.id, r.state])).toEqual([
      ['calc-0', 'ready'],
      ['calc-1', 'ready'],
    ]);
  });

  it('describes the group at the root: no genome, its sub-cells', async () => {
    expect(await describeCommand(running().root)).toMatchObject({ cell: 'root', genome: null, source: null, replicas: { wanted: 0 }, children: ['calc'] });
  });

  it('prints the methods as TypeScript-like types, and the documented JSON with --json, finding the cell by name', () => {
    const human = runCell(['describe', 'calc'], { cwd: running().root });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('half(input: { n: number }): { n: number }');
    expect(human.stdout).toContain('error Odd: { n: number }');
    const json = runCell(['describe', calc(), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const d = JSON.parse(json.stdout) as CellDescription;
    expect(d).toMatchObject({ cell: 'calc', source: 'live', replicas: { wanted: 2 } });
    expect(d.genome!.methods['echo']!.input).toMatchObject({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
  });
});

describe('cell describe (nothing running)', () => {
  let lone: TempTree;
  beforeAll(() => {
    lone = tempTree({ ...calcCellFiles('.', { toml: 'replicas = 3' }) });
  });
  afterAll(async () => {
    await lone?.remove();
  });

  it('reads the genome from the source, and says no tree runs it', async () => {
    expect(await describeCommand(lone.root)).toMatchObject({ cell: 'calc', source: 'source', replicas: { wanted: 3, running: null }, note: null });
  });

  it("falls back to the last build's genome when the contract module no longer builds, with a note", async () => {
    const built = runCell(['build', lone.root]);
    expect(built.code, built.stderr).toBe(0);
    const contract = join(lone.root, 'src/contract.ts');
    const good = readFileSync(contract, 'utf8');
    lone.write('src/contract.ts', `${good}\nexport const = ;\n`);
    try {
      const d = await describeCommand(lone.root);
      expect(d).toMatchObject({ source: 'recorded', note: expect.any(String) });
      expect(Object.keys(d.genome!.methods)).toEqual(['echo', 'half', 'whoami']);
    } finally {
      lone.write('src/contract.ts', good);
    }
  });

  it('refuses what is neither a cell directory nor a cell of the tree with CELL_E_CONFIG_NOT_FOUND (exit 2)', async () => {
    await expect(describeCommand(join(lone.root, 'src'))).rejects.toMatchObject({ code: 'CELL_E_CONFIG_NOT_FOUND' });
    const r = runCell(['describe', 'nope', '--json'], { cwd: lone.root });
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stderr)).toMatchObject({ code: 'CELL_E_CONFIG_NOT_FOUND' });
  });
});
