// The build's type-check: the demo tree (examples/shop, copied), one of its cells alone, and a
// tree of 50 trivial cells, each cold, unchanged and after one edit; against plain `tsc --noEmit`
// of the same files and options with TypeScript 7 (what Cell runs) and 5.9 (the JS compiler).
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CellConfig, loadCellTree } from '@cell/config';
import { generateDependencyTypes, programConfig, programTsconfig, shippedCompiler, typecheckCells, typecheckTarget } from '@cell/runtime';
import { median, round } from '../lib/stats.ts';
import { writeTrivialTree } from './trivial-tree.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface TypecheckBenchOptions {
  rounds: number;
  log(line: string): void;
}

/** The demo tree outside the repository, with a tsconfig.json extending the one the demo uses. */
function copyOfShop(): string {
  const root = mkdtempSync(join(tmpdir(), 'cell-bench-shop-'));
  cpSync(join(REPO, 'examples/shop'), root, { recursive: true, filter: (src) => !/\/(\.cell|run|log|data|node_modules)(\/|$)/.test(src) });
  const tsconfig = { extends: join(REPO, 'examples/tsconfig.json'), compilerOptions: { typeRoots: [join(REPO, 'node_modules/@types')] } };
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify(tsconfig));
  // The cells' own dependencies (inventory's postgres) resolve as they do in the repository.
  symlinkSync(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir');
  return root;
}

/** Removes every trace of earlier checks: the next one is cold. */
function forgetChecks(root: string, configs: readonly CellConfig[]): void {
  rmSync(join(root, '.cell', 'typecheck'), { recursive: true, force: true });
  for (const c of configs) rmSync(join(c.dir, '.cell', 'typecheck.json'), { force: true });
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** `tsc --noEmit` over the cells' files with the options their check uses (not incremental), with each compiler. */
function plainTsc(root: string, configs: readonly CellConfig[]): { ts7: () => void; ts59: () => void } {
  const targets = configs.map(typecheckTarget).filter((t) => t !== undefined);
  const program = programConfig(targets[0]!);
  const config = JSON.parse(programTsconfig(program, targets.flatMap((t) => t.roots), join(root, 'unused.tsbuildinfo'))) as { compilerOptions: Record<string, unknown> };
  config.compilerOptions['incremental'] = false;
  delete config.compilerOptions['tsBuildInfoFile'];
  const file = join(root, 'plain-tsconfig.json');
  writeFileSync(file, JSON.stringify(config));
  const tsc59 = createRequire(join(REPO, 'package.json')).resolve('typescript/bin/tsc');
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { cwd: root, stdio: 'pipe', timeout: 600_000 });
  return {
    ts7: () => run(shippedCompiler().exe, ['-p', file, '--pretty', 'false', '--singleThreaded']),
    ts59: () => run(process.execPath, [tsc59, '-p', file, '--pretty', 'false']),
  };
}

interface Figures {
  cold_ms: number[];
  unchanged_ms: number[];
  one_edit_ms: number[];
  tsc7_noemit_ms: number[];
  tsc59_noemit_ms: number[];
}

async function measure(name: string, root: string, configs: CellConfig[], edit: () => void, opts: TypecheckBenchOptions): Promise<Record<string, unknown>> {
  const f: Figures = { cold_ms: [], unchanged_ms: [], one_edit_ms: [], tsc7_noemit_ms: [], tsc59_noemit_ms: [] };
  const stateDir = join(root, '.cell', 'typecheck');
  const check = async (expect: 'checked' | 'up-to-date', count: number) => {
    const r = await typecheckCells(configs, { stateDir });
    const got = r.cells.filter((c) => c.status === expect).length;
    if (got !== count) throw new Error(`${name}: expected ${count} cells ${expect}, got ${JSON.stringify(r.cells.map((c) => [c.cell, c.status, c.diagnostics.map((d) => d.message.slice(0, 200))]))}`);
  };
  const plain = plainTsc(root, configs);
  const cells = configs.filter((c) => typecheckTarget(c)).length;
  for (let i = 0; i < opts.rounds; i++) {
    forgetChecks(root, configs);
    f.cold_ms.push(await timed(() => check('checked', cells)));
    f.unchanged_ms.push(await timed(() => check('up-to-date', cells)));
    edit();
    f.one_edit_ms.push(await timed(() => check('checked', 1)));
    f.tsc7_noemit_ms.push(await timed(plain.ts7));
    f.tsc59_noemit_ms.push(await timed(plain.ts59));
    opts.log(`typecheck ${name} ${i + 1}/${opts.rounds}: cold ${round(f.cold_ms.at(-1)!)} ms, unchanged ${round(f.unchanged_ms.at(-1)!)} ms, one edit ${round(f.one_edit_ms.at(-1)!)} ms; plain tsc --noEmit: 7 ${round(f.tsc7_noemit_ms.at(-1)!)} ms, 5.9 ${round(f.tsc59_noemit_ms.at(-1)!)} ms`);
  }
  const m = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, median(v)])) as Record<keyof Figures, number>;
  return {
    cells,
    cold_ms: Math.round(m.cold_ms),
    cold_per_cell_ms: Math.round(m.cold_ms / cells),
    unchanged_ms: round(m.unchanged_ms),
    one_edit_ms: Math.round(m.one_edit_ms),
    tsc7_noemit_ms: Math.round(m.tsc7_noemit_ms),
    tsc59_noemit_ms: Math.round(m.tsc59_noemit_ms),
    cold_vs_tsc7: round(m.cold_ms / m.tsc7_noemit_ms, 2),
    cold_vs_tsc59: round(m.cold_ms / m.tsc59_noemit_ms, 2),
    tsc59_vs_tsc7: round(m.tsc59_noemit_ms / m.tsc7_noemit_ms, 2),
  };
}

/** Section `runtime.typecheck`. */
export async function benchTypecheck(opts: TypecheckBenchOptions): Promise<Record<string, unknown>> {
  const compiler = shippedCompiler().version;
  const shop = copyOfShop();
  const trivial = writeTrivialTree(50);
  try {
    await generateDependencyTypes(loadCellTree(shop), 'offline'); // the consumers' bindings, from cell.lock
    const shopConfigs = loadCellTree(shop).nodes.map((n) => n.config);
    let edits = 0;
    const editOrders = () => appendFileSync(join(shop, 'cells/orders/src/main.ts'), `export const edit${++edits} = ${edits};\n`);
    const orders = shopConfigs.filter((c) => c.cell.name === 'orders');
    const trivialConfigs = loadCellTree(trivial).nodes.map((n) => n.config);
    const editC7 = () => appendFileSync(join(trivial, 'cells/c7/src/main.ts'), `export const edit${++edits} = ${edits};\n`);
    return {
      compiler: `typescript ${compiler} (native), one thread per run`,
      demo_tree: await measure('demo tree', shop, shopConfigs, editOrders, opts),
      one_cell: await measure('one cell (orders)', shop, orders, editOrders, opts),
      trivial_50: await measure('50 trivial cells', trivial, trivialConfigs, editC7, opts),
      method: {
        statistic: `median of ${opts.rounds} rounds, not pinned`,
        demo_tree: 'examples/shop copied to a temp dir (tsconfig extending examples/tsconfig.json; @cell/sdk from this repository\'s sources, as in the repo)',
        cold_ms: 'typecheckCells with no state (no .tsbuildinfo, no manifests): one compiler run for all cells',
        unchanged_ms: 'the next check with nothing changed: every cell up to date from its manifest, no compiler run',
        one_edit_ms: 'after appending a line to one cell\'s main.ts: that cell alone is checked, with TypeScript\'s incremental state',
        tsc7_noemit_ms: '`tsc -p <same options and files> --noEmit --singleThreaded` with TypeScript 7 (no incremental state)',
        tsc59_noemit_ms: 'the same with TypeScript 5.9 (node_modules/typescript, the JS compiler)',
      },
    };
  } finally {
    rmSync(shop, { recursive: true, force: true });
    rmSync(trivial, { recursive: true, force: true });
  }
}
