import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import type { DependencyRef } from '@cell/host';
import type { LaunchSpec } from '../standalone/launch-spec.ts';
import { bundleIfChanged, START_FILE } from './bundle.ts';
import { forgetSdkBundles, linkSdk, pruneSdkBundles, sdkOfBuild } from './sdk-bundle.ts';
import { writeFileAtomic } from '../files/write-atomic.ts';
import { type CellTypecheck, typecheckCells, typecheckFailure, type TypecheckReport } from './typecheck-cells.ts';

/** Where a cell's build output lives, inside the cell's own directory. */
export const BUILD_DIR = join('.cell', 'build');
export const MAIN_FILE = join(BUILD_DIR, 'main.mjs');

export interface BuildResult {
  cell: string;
  /** Absolute path of the runnable bundle. */
  main: string;
  /** False when the previous build was still up to date. */
  rebuilt: boolean;
  durationMs: number;
  warnings: string[];
  /** The type-check's verdict (`off`: not asked for, `--no-typecheck`). */
  typecheck: Exclude<CellTypecheck['status'], 'failed'> | 'off';
}

/**
 * Copies the build whose bundle is `main` into `dir` (an old major kept running beside a new one):
 * the bundle, the banner it starts with and a link to the same SDK bundle. Returns the copy's bundle.
 */
export function copyBuild(main: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const copy = join(dir, basename(main));
  copyFileSync(main, copy);
  const start = join(dirname(main), START_FILE);
  if (existsSync(start)) copyFileSync(start, join(dir, START_FILE));
  const sdk = sdkOfBuild(main);
  if (sdk) linkSdk(dir, sdk);
  return copy;
}

/** Where a tree keeps the SDK's bundle its cells share (a cell built on its own keeps it in its build directory). */
export const TREE_SDK_DIR = join('.cell', 'sdk');

/** Where a cell built on its own keeps its type-check state. */
export const TYPECHECK_DIR = join('.cell', 'typecheck');

// Runs before any bundled code: joins the cgroup the nucleus prepared (so limits apply from the
// first allocation) and exits when the nucleus goes away, so no cell outlives its tree.
export const CELL_BANNER = `import { writeFileSync as __cellWrite } from 'node:fs';
if (process.env.CELL_CGROUP_PROCS) for (const f of process.env.CELL_CGROUP_PROCS.split(':')) { try { __cellWrite(f, String(process.pid)); } catch {} }
if (process.send) process.on('disconnect', () => process.exit(0));`;

/**
 * The ribosome: bundles a cell's TypeScript entry (and everything it imports) into
 * `.cell/build/main.mjs`, which loads the SDK from its own bundle (`sdkDir`: a tree's cells share
 * one, see sdk-bundle.ts), only when an input changed since the last build, and type-checks
 * it (see {@link typecheckCells}): a cell that does not type-check fails with
 * CELL_E_TYPECHECK_FAILED and nothing of it is written, its previous build stays. Also writes
 * `.cell/launch.json`, which lets a caller start the cell without a nucleus.
 *
 * `typecheck`: false skips the check; a report (promised) gives this cell's verdict from a check
 * of several cells (a tree's); by default the cell is checked on its own.
 */
export async function buildCell(
  config: CellConfig,
  deps: Record<string, DependencyRef>,
  options: { force?: boolean; outFile?: string; typecheck?: boolean | Promise<TypecheckReport>; sdkDir?: string } = {},
): Promise<BuildResult> {
  const started = performance.now();
  const entry = config.cell.entry;
  if (!entry) throw new CellError('CELL_E_INVALID_ARGUMENT', `cell ${config.cell.name} has no entry to build`);
  const main = options.outFile ?? join(config.dir, MAIN_FILE);
  const launch: LaunchSpec = {
    name: config.cell.name,
    main: MAIN_FILE,
    idleTimeoutMs: config.lifeCycle.idleTimeoutMs ?? null,
    memoryTrimMs: config.lifeCycle.memoryTrimMs ?? null,
    graceMs: config.lifeCycle.graceMs,
    deps,
  };
  const check =
    options.typecheck === false
      ? undefined
      : options.typecheck === undefined || options.typecheck === true
        ? typecheckCells([config], { stateDir: join(config.dir, TYPECHECK_DIR), force: options.force ?? false })
        : options.typecheck;
  let typecheck: BuildResult['typecheck'] = 'off';
  const beforeWrite = async () => {
    const verdict = check && (await check).cells.find((c) => c.dir === config.dir);
    if (verdict?.status === 'failed') throw typecheckFailure(verdict);
    if (verdict) typecheck = verdict.status;
  };
  // Checked while esbuild bundles; awaited (and its rejection handled) before anything is written.
  check?.catch(() => undefined);
  mkdirSync(join(config.dir, BUILD_DIR), { recursive: true });
  // A tree forgets its shared SDK bundle once, before its cells are built (buildTree).
  if (options.force && options.sdkDir === undefined) forgetSdkBundles(dirname(main));
  const { rebuilt, warnings } = await bundleIfChanged({
    cell: config.cell.name,
    dir: config.dir,
    entry,
    outFile: main,
    banner: CELL_BANNER,
    sdkDir: options.sdkDir ?? dirname(main),
    force: options.force ?? false,
    beforeWrite,
  });
  // A cell built on its own keeps its SDK bundle beside its own: the ones it no longer links go.
  if (options.sdkDir === undefined) {
    const sdk = sdkOfBuild(main);
    pruneSdkBundles(dirname(main), new Set(sdk ? [sdk] : []));
  }
  writeFileAtomic(join(config.dir, '.cell', 'launch.json'), `${JSON.stringify(launch, null, 2)}\n`);
  return { cell: config.cell.name, main, rebuilt, durationMs: performance.now() - started, warnings, typecheck };
}
