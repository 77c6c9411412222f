// `cell build`, `cell mitosis` and `cell reload` type-check the cells they build, through the real
// CLI on real files: what does not compile is refused with tsc's file(line,column) and never
// started or reloaded; `--no-typecheck` is the loud way around it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cell, cellOf, status, tempTree, type TempTree } from './helpers.ts';

const contract = (buildType: string) => `import { defineContract, Type, unary } from '@cell/sdk';
export const contract = defineContract({
  name: 'store',
  version: '1.0.0',
  methods: { build: unary({ input: Type.Object({}), output: Type.Object({ build: ${buildType} }) }) },
});
`;

/** Handlers typed by the contract: they answer a string. */
const main = (label: string) => `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
await serve(contract, { build: () => ({ build: ${label} }) });
`;

/** Runs fine (answers 'two') but does not compile: what only --no-typecheck lets through. */
const UNTYPED_BUT_WORKING = `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
const label: number = 'two';
await serve(contract, { build: () => ({ build: String(label) }) });
`;

const TYPE_ERROR = /src\/main\.ts\(\d+,\d+\): error TS2322: /;

let tree: TempTree | undefined;
afterEach(() => {
  tree?.remove();
  tree = undefined;
});

function storeTree(): TempTree {
  return tempTree({
    'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n',
    'cells/store/cell.toml': '[cell]\nname = "store"\nversion = "1.0.0"\nentry = "src/main.ts"\n',
    'cells/store/src/contract.ts': contract('Type.String()'),
    'cells/store/src/main.ts': main("'one'"),
  });
}

const buildOf = (root: string) => JSON.parse(cell(['call', join(root, 'cells/store'), 'build']).stdout) as { build: string };

describe('the build type-checks', () => {
  it('cell build refuses a producer whose handlers no longer match its changed contract, with file(line,col); then checks only what changed', () => {
    tree = storeTree();
    const first = cell(['build', tree.root]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^type-check: 1 checked, 0 up to date \(TypeScript 7\.\d+\.\d+, \d+ ms\)$/m);
    const again = cell(['build', tree.root]);
    expect(again.stdout).toMatch(/^type-check: 0 checked, 1 up to date /m); // the incremental path: nothing changed, nothing checked

    tree.write('cells/store/src/contract.ts', contract('Type.Integer()'));
    const refused = cell(['build', tree.root]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('error CELL_E_TYPECHECK_FAILED: store does not type-check');
    expect(refused.stderr).toMatch(new RegExp(`\\n {2}${TYPE_ERROR.source}`));

    const skipped = cell(['build', tree.root, '--no-typecheck']);
    expect(skipped.code, skipped.stderr).toBe(0);
    expect(skipped.stderr).toMatch(/^warning: --no-typecheck: cells are built without type-checking/m);
    expect(skipped.stdout).not.toContain('type-check:');
  }, 180_000);

  it('cell mitosis starts nothing of a tree with a cell that does not type-check', () => {
    tree = storeTree();
    tree.write('cells/store/src/main.ts', main('1'));
    const r = cell(['mitosis', tree.root, '--detach']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CELL_E_TYPECHECK_FAILED');
    expect(r.stderr).toMatch(TYPE_ERROR);
    expect(cell(['status', tree.root]).code).toBe(3); // not running
  }, 180_000);

  it('cell reload refuses code that does not type-check and keeps the old version serving; --no-typecheck reloads it, warning', () => {
    tree = storeTree();
    const up = cell(['mitosis', tree.root, '--detach']);
    expect(up.code, up.stderr).toBe(0);
    expect(buildOf(tree.root)).toEqual({ build: 'one' });
    const pids = cellOf(status(tree.root), 'store').replicas.map((r) => r.pid);

    tree.write('cells/store/src/main.ts', UNTYPED_BUT_WORKING);
    const refused = cell(['reload', join(tree.root, 'cells/store')]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('CELL_E_TYPECHECK_FAILED');
    expect(refused.stderr).toMatch(/src\/main\.ts\(3,7\): error TS2322: Type 'string' is not assignable to type 'number'/);
    expect(buildOf(tree.root)).toEqual({ build: 'one' }); // the old version still serves, in the same processes
    expect(cellOf(status(tree.root), 'store').replicas.map((r) => r.pid)).toEqual(pids);
    expect(readFileSync(join(tree.root, 'cells/store/.cell/build/main.mjs'), 'utf8')).toContain('build:"one"'); // not rewritten

    const forced = cell(['reload', join(tree.root, 'cells/store'), '--no-typecheck']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/^warning: --no-typecheck: /m);
    expect(buildOf(tree.root)).toEqual({ build: 'two' });
    expect(cell(['stop', tree.root]).code).toBe(0);
  }, 180_000);
});
