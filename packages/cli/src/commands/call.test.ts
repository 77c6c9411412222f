import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '@cell/host';
import { treeStatus } from '@cell/runtime';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree } from '../test-support/fixtures.ts';
import { callCommand } from './call.ts';

describe('cell call (one running tree)', () => {
  let tree: TempTree;
  const calc = () => join(tree.root, 'cells/calc');

  beforeAll(() => {
    const files = calcCellFiles('cells/calc');
    // One method with a closed input schema: extra keys are refused.
    files['cells/calc/src/contract.ts'] = files['cells/calc/src/contract.ts']!.replace(
      '    half:',
      '    strict: unary({ input: Type.Object({ n: Type.Integer() }, { additionalProperties: false }), output: Type.Object({ n: Type.Integer() }) }),\n    half:',
    );
    files['cells/calc/src/main.ts'] = files['cells/calc/src/main.ts']!.replace('  echo:', '  strict: ({ n }) => ({ n }),\n  echo:');
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...files });
    const up = runCell(['mitosis', tree.root, '--detach']);
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it("calls a method of a tree's cell with JSON input and returns its output", async () => {
    expect(await callCommand(calc(), 'echo', '{"n":21}', {})).toEqual({ n: 21 });
    expect(await callCommand(join(calc(), 'cell.toml'), 'half', '{"n":42}', { timeoutMs: 10_000 })).toEqual({ n: 21 });
  });

  it('sends {} when no input is given, to the replica the tree runs', async () => {
    const { pid } = (await callCommand(calc(), 'whoami', undefined, {})) as { pid: number };
    const status = await treeStatus(tree.root);
    expect(status.cells.find((c) => c.name === 'calc')!.replicas.map((r) => r.pid)).toEqual([pid]);
  });

  it("gives the cell's declared error with its code and details", async () => {
    await expect(callCommand(calc(), 'half', '{"n":3}', {})).rejects.toMatchObject({ code: 'Odd', declared: true, details: { n: 3 } });
  });

  it('passes on the stable codes: invalid input, unknown method', async () => {
    await expect(callCommand(calc(), 'echo', '{"n":"x"}', {})).rejects.toMatchObject({ code: 'CELL_E_INVALID_INPUT' });
    await expect(callCommand(calc(), 'nope', '{}', {})).rejects.toMatchObject({ code: 'CELL_E_UNKNOWN_METHOD' });
  });

  it('lists the methods and the closest name for an unknown method (still CELL_E_UNKNOWN_METHOD)', async () => {
    await expect(callCommand(calc(), 'ecko', '{"n":1}', {})).rejects.toMatchObject({
      code: 'CELL_E_UNKNOWN_METHOD',
      details: { method: 'ecko', methods: ['echo', 'half', 'strict', 'whoami'], suggestion: 'echo' },
    });
    const far = await callCommand(calc(), 'refund', '{}', {}).then(
      () => undefined,
      (e: { code: string; details: unknown }) => e,
    );
    expect(far).toMatchObject({ code: 'CELL_E_UNKNOWN_METHOD', details: { method: 'refund', methods: ['echo', 'half', 'strict', 'whoami'] } });
    expect(far?.details).not.toHaveProperty('suggestion');
  });

  it("passes input keys an open schema does not name to the cell, and warns which; a closed schema refuses them", async () => {
    const warnings: string[][] = [];
    const warn = (w: { keys: string[] }) => warnings.push(w.keys);
    expect(await callCommand(calc(), 'echo', '{"n":2,"m":3}', { warn })).toEqual({ n: 2 });
    expect(warnings).toEqual([['/m']]);
    expect(await callCommand(calc(), 'echo', '{"n":2}', { warn })).toEqual({ n: 2 });
    expect(warnings).toHaveLength(1);
    await expect(callCommand(calc(), 'strict', '{"n":2,"m":3}', { warn })).rejects.toMatchObject({
      code: 'CELL_E_INVALID_INPUT',
      details: { errors: expect.arrayContaining([expect.objectContaining({ path: '/m' })]) },
    });
    expect(warnings).toHaveLength(1);
  });

  it('finds the cell by name in the tree around cwd, and warns on stderr through the CLI', () => {
    const r = runCell(['call', 'calc', 'echo', '{"n":7,"typo":1}'], { cwd: tree.root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ n: 7 });
    expect(r.stderr).toMatch(/^warning: .*\/typo/);
  });

  it('refuses input that is not JSON with CELL_E_INVALID_ARGUMENT, before looking for the cell', async () => {
    await expect(callCommand(join(tree.root, 'nowhere'), 'echo', '{n:1}', {})).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
  });

  it('prints the output as JSON on stdout, and a failure as the JSON error on stderr, through the CLI', () => {
    const ok = runCell(['call', calc(), 'echo', '{"n":5}']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ n: 5 });
    const declared = runCell(['call', calc(), 'half', '{"n":5}']);
    expect(declared.code).toBe(1);
    expect(JSON.parse(declared.stderr)).toEqual({ code: 'Odd', message: expect.any(String), details: { n: 5 }, declared: true });
    const usage = runCell(['call', calc(), 'echo', 'not json']);
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.stderr)).toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
  });
});

describe('cell call (a cell outside any running tree)', () => {
  let lone: TempTree;
  beforeAll(() => {
    lone = tempTree({ ...calcCellFiles('.') });
  });
  afterAll(async () => {
    await lone?.remove();
  });

  it('builds the cell, starts it on its own once, and calls it', async () => {
    const first = (await callCommand(lone.root, 'whoami', undefined, {})) as { pid: number; build: string };
    expect(first.build).toBe('b1');
    expect(isProcessAlive(first.pid)).toBe(true);
    const second = (await callCommand(lone.root, 'whoami', undefined, {})) as { pid: number };
    expect(second.pid).toBe(first.pid);
  });
});
