import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CellTree, loadCellTree } from '@cell/config';
import { cellToml, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { typecheckCells, typecheckFailure, type TypecheckReport } from './typecheck-cells.ts';
import { TYPECHECK_MANIFEST } from './typecheck-manifest.ts';

const defer = useTeardown();

/** A producer's contract whose one method answers `{ n }` of the given TypeBox type. */
function contract(name: string, nType = 'Type.Integer()'): string {
  return `import { defineContract, Type, unary } from '@cell/sdk';
export const contract = defineContract({
  name: '${name}',
  version: '1.0.0',
  methods: { count: unary({ input: Type.Object({}), output: Type.Object({ n: ${nType} }) }) },
});
`;
}

/** Handlers that answer a number: right for an Integer output, a type error for a String one. */
const MAIN = `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
await serve(contract, {
  count: () => ({ n: 1 }),
});
`;

function producer(dir: string, name: string): Record<string, string> {
  return { [`${dir}/cell.toml`]: cellToml(name), [`${dir}/src/contract.ts`]: contract(name), [`${dir}/src/main.ts`]: MAIN };
}

function check(tree: CellTree, force = false): Promise<TypecheckReport> {
  return typecheckCells(
    tree.nodes.map((n) => n.config),
    { stateDir: join(tree.root.dir, '.cell', 'typecheck'), force },
  );
}

const statuses = (r: TypecheckReport) => Object.fromEntries(r.cells.map((c) => [c.cell, c.status]));

/** The details of the error refusing `cell`. */
function failureOf(r: TypecheckReport, cell: string): { errors: string[]; diagnostics: Array<{ file: string; line: number }>; problem?: string } {
  return typecheckFailure(r.cells.find((c) => c.cell === cell)!).details as never;
}

describe('typecheckCells', () => {
  it("fails a producer whose handlers no longer match its changed contract, naming file, line and column as tsc does", async () => {
    const tree = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false }), ...producer('cells/store', 'store'), ...producer('cells/other', 'other') });
    const first = await check(tree);
    expect(statuses(first)).toEqual({ root: 'skipped', store: 'checked', other: 'checked' });
    expect(first.programs).toBe(1); // both cells in one compiler run
    expect(first.compiler).toMatch(/^7\./);

    writeFileSync(join(tree.root.dir, 'cells/store/src/contract.ts'), contract('store', 'Type.String()'));
    const second = await check(tree);
    expect(statuses(second)).toEqual({ root: 'skipped', store: 'failed', other: 'up-to-date' });
    const err = typecheckFailure(second.cells.find((c) => c.cell === 'store')!);
    expect(err.code).toBe('CELL_E_TYPECHECK_FAILED');
    const { errors, diagnostics } = failureOf(second, 'store');
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toMatch(/^src\/main\.ts\(\d+,\d+\): error TS\d+: /);
    expect(err.message).toContain(`\n  ${errors[0]!.split('\n')[0]}`);
    expect(diagnostics[0]).toMatchObject({ file: 'src/main.ts', line: 4 });
    expect(existsSync(join(tree.root.dir, 'cells/store', TYPECHECK_MANIFEST))).toBe(false);

    // Still failing: it is checked again (never taken as up to date), the others are not.
    expect(statuses(await check(tree))).toEqual({ root: 'skipped', store: 'failed', other: 'up-to-date' });
    writeFileSync(join(tree.root.dir, 'cells/store/src/contract.ts'), contract('store'));
    expect(statuses(await check(tree))).toEqual({ root: 'skipped', store: 'checked', other: 'up-to-date' });
  });

  it('takes the incremental path when nothing changed: no compiler run at all; --force checks again', async () => {
    const tree = tempTree(defer, { ...producer('.', 'store') });
    expect(statuses(await check(tree))).toEqual({ store: 'checked' });
    const again = await check(tree);
    expect(statuses(again)).toEqual({ store: 'up-to-date' });
    expect(again.programs).toBe(0);
    const forced = await check(tree, true);
    expect(statuses(forced)).toEqual({ store: 'checked' });
    expect(forced.programs).toBe(1);
  });

  it('checks a change to a file shared by cells in every cell that imports it', async () => {
    const shared = (type: string) => `export type Shared = ${type};\n`;
    const user = (name: string) => ({
      [`cells/${name}/cell.toml`]: cellToml(name),
      [`cells/${name}/src/main.ts`]: `import type { Shared } from '../../../shared/types.ts';\nexport const value: Shared = 1;\n`,
    });
    const tree = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false }), 'shared/types.ts': shared('number'), ...user('a'), ...user('b'), ...producer('cells/c', 'c') });
    expect(statuses(await check(tree))).toEqual({ root: 'skipped', a: 'checked', b: 'checked', c: 'checked' });
    writeFileSync(join(tree.root.dir, 'shared/types.ts'), shared('string'));
    const r = await check(tree);
    expect(statuses(r)).toEqual({ root: 'skipped', a: 'failed', b: 'failed', c: 'up-to-date' });
    expect(failureOf(r, 'a').errors).toEqual([expect.stringMatching(/^src\/main\.ts\(2,14\): error TS2322: /)]);
  });

  it("checks cells under different tsconfig.json files in separate runs, each with its project's options", async () => {
    const tree = tempTree(defer, {
      'cell.toml': cellToml('root', { entry: false }),
      'cells/loose/tsconfig.json': '{ "compilerOptions": { "strict": false, "module": "preserve", "moduleResolution": "bundler", "allowImportingTsExtensions": true, "skipLibCheck": true, "types": [] } }',
      'cells/loose/cell.toml': cellToml('loose'),
      'cells/loose/src/main.ts': 'export function f(x) { return x; }\n', // implicit any: fine when not strict
      'cells/strict/cell.toml': cellToml('strict'),
      'cells/strict/src/main.ts': 'export function f(x) { return x; }\n',
    });
    const r = await check(tree);
    expect(r.programs).toBe(2);
    expect(statuses(r)).toEqual({ root: 'skipped', loose: 'checked', strict: 'failed' });
    expect(failureOf(r, 'strict').errors).toEqual([expect.stringMatching(/^src\/main\.ts\(1,19\): error TS7006: /)]);
  });

  it('needs no compiler when there is nothing to check, and fails the cells of a compiler that did not finish', async () => {
    const group = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false }) });
    const none = await typecheckCells([group.root.config], { stateDir: join(group.root.dir, '.cell/typecheck'), compiler: { version: 'x', exe: '/nonexistent/tsc' } });
    expect(statuses(none)).toEqual({ root: 'skipped' });

    const tree = tempTree(defer, { ...producer('.', 'store') });
    const broken = await typecheckCells([tree.root.config], { stateDir: join(tree.root.dir, '.cell/typecheck'), compiler: { version: 'x', exe: 'false' } });
    const store = broken.cells[0]!;
    expect(store).toMatchObject({ status: 'failed', problem: expect.stringContaining('exited with code 1') });
    expect(typecheckFailure(store)).toMatchObject({ code: 'CELL_E_TYPECHECK_FAILED', details: { problem: store.problem } });
  });

  it('reports a cell that imports what does not exist', async () => {
    const tree = tempTree(defer, { 'cell.toml': cellToml('api'), 'src/main.ts': "import { nothing } from './nowhere.ts';\nconsole.log(nothing);\n" });
    const r = await check(loadCellTree(tree.root.dir));
    expect(failureOf(r, 'api').errors).toEqual([expect.stringMatching(/^src\/main\.ts\(1,25\): error TS2307: Cannot find module '\.\/nowhere\.ts'/)]);
  });
});
