import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import type { DependencyRef } from '@cell/host';
import type { LaunchSpec } from '../standalone/launch-spec.ts';
import { bundleIfChanged } from './bundle.ts';
import { writeFileAtomic } from '../files/write-atomic.ts';

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
}

// Runs before any bundled code: joins the cgroup the nucleus prepared (so limits apply from the
// first allocation) and exits when the nucleus goes away, so no cell outlives its tree.
const BANNER = `import { writeFileSync as __cellWrite } from 'node:fs';
if (process.env.CELL_CGROUP_PROCS) for (const f of process.env.CELL_CGROUP_PROCS.split(':')) { try { __cellWrite(f, String(process.pid)); } catch {} }
if (process.send) process.on('disconnect', () => process.exit(0));`;

/**
 * The ribosome: bundles a cell's TypeScript entry (and everything it imports, the SDK included)
 * into `.cell/build/main.mjs`, only when an input changed since the last build. Also writes
 * `.cell/launch.json`, which lets a caller start the cell without a nucleus.
 */
export async function buildCell(
  config: CellConfig,
  deps: Record<string, DependencyRef>,
  options: { force?: boolean; outFile?: string } = {},
): Promise<BuildResult> {
  const started = performance.now();
  const entry = config.cell.entry;
  if (!entry) throw new CellError('CELL_E_INVALID_ARGUMENT', `cell ${config.cell.name} has no entry to build`);
  const main = options.outFile ?? join(config.dir, MAIN_FILE);
  const launch: LaunchSpec = {
    name: config.cell.name,
    main: MAIN_FILE,
    idleTimeoutMs: config.lifeCycle.idleTimeoutMs ?? null,
    graceMs: config.lifeCycle.graceMs,
    deps,
  };
  mkdirSync(join(config.dir, BUILD_DIR), { recursive: true });
  writeFileAtomic(join(config.dir, '.cell', 'launch.json'), `${JSON.stringify(launch, null, 2)}\n`);
  const { rebuilt, warnings } = await bundleIfChanged({ cell: config.cell.name, dir: config.dir, entry, outFile: main, banner: BANNER, force: options.force ?? false });
  return { cell: config.cell.name, main, rebuilt, durationMs: performance.now() - started, warnings };
}
