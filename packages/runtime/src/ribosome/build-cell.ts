import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type Message } from 'esbuild';
import { CellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import type { LaunchSpec, LocalCell } from '@cell/sdk';
import { nativeExternals } from './native-externals.ts';

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

interface Manifest {
  format: 1;
  esbuild: string;
  entry: string;
  /** input file -> [mtimeMs, size] */
  inputs: Record<string, [number, number]>;
}

// Runs before any bundled code: joins the cgroup the nucleus prepared (so limits apply from the
// first allocation) and exits when the nucleus goes away, so no cell outlives its tree.
const BANNER = `import { createRequire as __cellRequire } from 'node:module';
import { writeFileSync as __cellWrite } from 'node:fs';
const require = __cellRequire(import.meta.url);
if (process.env.CELL_CGROUP_PROCS) for (const f of process.env.CELL_CGROUP_PROCS.split(':')) { try { __cellWrite(f, String(process.pid)); } catch {} }
if (process.send) process.on('disconnect', () => process.exit(0));`;

/**
 * The node_modules that holds the SDK this runtime ships with. Cells outside this installation
 * (a new `cell init` anywhere on disk) resolve `@cell/sdk` from it when they have none of their own.
 */
function shippedNodeModules(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (dir !== dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', '@cell', 'sdk'))) return [join(dir, 'node_modules')];
    dir = dirname(dir);
  }
  return [];
}

function upToDate(dir: string, entry: string): boolean {
  const path = join(dir, BUILD_DIR, 'manifest.json');
  if (!existsSync(path) || !existsSync(join(dir, MAIN_FILE))) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return false;
  }
  if (manifest.format !== 1 || manifest.esbuild !== esbuildVersion || manifest.entry !== entry) return false;
  for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    try {
      const s = statSync(file);
      if (s.mtimeMs !== mtimeMs || s.size !== size) return false;
    } catch {
      return false;
    }
  }
  return true;
}

function describeMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${where}${m.text}`;
}

/**
 * The ribosome: bundles a cell's TypeScript entry (and everything it imports, the SDK included)
 * into `.cell/build/main.mjs`, only when an input changed since the last build. Also writes
 * `.cell/launch.json`, which lets a caller start the cell without a nucleus.
 */
export async function buildCell(config: CellConfig, deps: Record<string, LocalCell>, options: { force?: boolean } = {}): Promise<BuildResult> {
  const started = performance.now();
  const entry = config.cell.entry;
  if (!entry) throw new CellError('CELL_E_INVALID_ARGUMENT', `cell ${config.cell.name} has no entry to build`);
  const dir = config.dir;
  const main = join(dir, MAIN_FILE);
  const launch: LaunchSpec = {
    name: config.cell.name,
    main: MAIN_FILE,
    idleTimeoutMs: config.lifeCycle.idleTimeoutMs ?? null,
    graceMs: config.lifeCycle.graceMs,
    deps,
  };
  mkdirSync(join(dir, BUILD_DIR), { recursive: true });
  writeFileSync(join(dir, '.cell', 'launch.json'), `${JSON.stringify(launch, null, 2)}\n`);
  if (!options.force && upToDate(dir, entry)) {
    return { cell: config.cell.name, main, rebuilt: false, durationMs: performance.now() - started, warnings: [] };
  }
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      outfile: main,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      banner: { js: BANNER },
      plugins: [nativeExternals()],
      nodePaths: shippedNodeModules(),
      absWorkingDir: dir,
    });
  } catch (err) {
    const errors = ((err as { errors?: Message[] }).errors ?? []).map(describeMessage);
    throw new CellError('CELL_E_BUILD_FAILED', `build of ${config.cell.name} failed:\n${errors.map((e) => `  ${e}`).join('\n') || String(err)}`, {
      details: { cell: config.cell.name, errors },
      cause: err,
    });
  }
  const inputs: Manifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = join(dir, input);
    try {
      const s = statSync(file);
      inputs[file] = [s.mtimeMs, s.size];
    } catch {
      // virtual module (none today): nothing to watch
    }
  }
  const manifest: Manifest = { format: 1, esbuild: esbuildVersion, entry, inputs };
  writeFileSync(join(dir, BUILD_DIR, 'manifest.json'), `${JSON.stringify(manifest)}\n`);
  return {
    cell: config.cell.name,
    main,
    rebuilt: true,
    durationMs: performance.now() - started,
    warnings: result.warnings.map(describeMessage),
  };
}
