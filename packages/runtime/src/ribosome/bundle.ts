import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type Message } from 'esbuild';
import { CellError } from '@cell/protocol';
import { nativeExternals } from './native-externals.ts';
import { wideSourceWarning } from './source-width.ts';
import { writeFileAtomic } from '../files/write-atomic.ts';

interface Manifest {
  format: 1;
  esbuild: string;
  /** How it was bundled (the options and banner): a bundle made otherwise is made again. */
  options: string;
  entry: string;
  /** input file -> [mtimeMs, size] */
  inputs: Record<string, [number, number]>;
}

export interface BundleRequest {
  /** Cell name, for error messages. */
  cell: string;
  /** The cell's directory (esbuild's working directory). */
  dir: string;
  entry: string;
  outFile: string;
  /** Code to run before the bundle's own (after the require() shim every bundle gets). */
  banner?: string;
  force?: boolean;
  /**
   * Awaited once the bundle is known to be good (built, or still up to date) and before anything
   * is written: when it throws, nothing is written and the previous bundle stays (the type-check).
   */
  beforeWrite?: () => Promise<void>;
}

export interface BundleResult {
  rebuilt: boolean;
  warnings: string[];
}

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

// Bundled CommonJS dependencies (pino, msgpackr) call require(); an ES module has none.
const REQUIRE_SHIM = `import { createRequire as __cellRequire } from 'node:module';
const require = __cellRequire(import.meta.url);`;

/** How every cell is bundled, here and in a donor's capsid (`sandboxed-bundle.ts`). */
export const CELL_BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Cells run on the Node the user brings (>= 22).
  target: 'node22',
  // @cell packages ship their TypeScript sources: a cell is bundled from them, never from a stale build.
  conditions: ['cell-source'],
  sourcemap: 'linked',
  // V8 keeps a script's whole source for as long as it runs: without its comments and indentation
  // a bundle of the SDK is 0.68 MB instead of 0.90, and an idle cell ~0.2 MiB smaller (measured).
  // Names are kept, so stack traces still name every function; lines are cut after ~160 characters
  // (a long string stays whole) so a position still lands on a short line, and the linked source
  // map (CELL_SOURCE_MAPS=1) gives the source's own lines.
  minifyWhitespace: true,
  lineLimit: 160,
} as const;

/** The JavaScript every bundle starts with: the require() shim, then `banner`. */
export function bundleBanner(banner: string | undefined): string {
  return banner ? `${REQUIRE_SHIM}\n${banner}` : REQUIRE_SHIM;
}

/** What decides a bundle besides its inputs: esbuild's options and the banner. */
function bundleOptionsKey(req: BundleRequest): string {
  return JSON.stringify({ ...CELL_BUNDLE_OPTIONS, banner: bundleBanner(req.banner) });
}

function manifestPath(outFile: string): string {
  return `${outFile}.manifest.json`;
}

/** The files the last build of `outFile` read (absolute paths); none when it was never built. */
export function bundleInputs(outFile: string): string[] {
  try {
    return Object.keys((JSON.parse(readFileSync(manifestPath(outFile), 'utf8')) as Manifest).inputs);
  } catch {
    return [];
  }
}

function upToDate(req: BundleRequest): boolean {
  const path = manifestPath(req.outFile);
  if (!existsSync(path) || !existsSync(req.outFile)) return false;
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest;
  } catch {
    return false;
  }
  if (manifest.format !== 1 || manifest.esbuild !== esbuildVersion || manifest.options !== bundleOptionsKey(req) || manifest.entry !== req.entry) return false;
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
 * Bundles `entry` (and everything it imports, the SDK included) into one ES module, only when
 * an input changed since the last bundle (mtime and size of every input are recorded).
 */
export async function bundleIfChanged(req: BundleRequest): Promise<BundleResult> {
  if (!req.force && upToDate(req)) {
    await req.beforeWrite?.();
    return { rebuilt: false, warnings: [] };
  }
  mkdirSync(dirname(req.outFile), { recursive: true });
  let result;
  try {
    result = await build({
      entryPoints: [req.entry],
      outfile: req.outFile,
      ...CELL_BUNDLE_OPTIONS,
      conditions: [...CELL_BUNDLE_OPTIONS.conditions],
      metafile: true,
      logLevel: 'silent',
      banner: { js: bundleBanner(req.banner) },
      external: nativeExternals(req.dir, shippedNodeModules()),
      nodePaths: shippedNodeModules(),
      absWorkingDir: req.dir,
      // Written below, each file atomically: a replica starting meanwhile never reads half a bundle.
      write: false,
    });
  } catch (err) {
    const errors = ((err as { errors?: Message[] }).errors ?? []).map(describeMessage);
    throw new CellError('CELL_E_BUILD_FAILED', `build of ${req.cell} failed:\n${errors.map((e) => `  ${e}`).join('\n') || String(err)}`, {
      details: { cell: req.cell, errors },
      cause: err,
    });
  }
  await req.beforeWrite?.();
  const warnings = result.warnings.map(describeMessage);
  for (const out of result.outputFiles) {
    writeFileAtomic(out.path, out.contents);
    if (!out.path.endsWith('.map')) {
      const wide = wideSourceWarning(relative(req.dir, out.path), out.text);
      if (wide) warnings.push(wide);
    }
  }
  const inputs: Manifest['inputs'] = {};
  for (const input of Object.keys(result.metafile.inputs)) {
    const file = join(req.dir, input);
    try {
      const s = statSync(file);
      inputs[file] = [s.mtimeMs, s.size];
    } catch {
      // virtual module (none today): nothing to watch
    }
  }
  const manifest: Manifest = { format: 1, esbuild: esbuildVersion, options: bundleOptionsKey(req), entry: req.entry, inputs };
  writeFileAtomic(manifestPath(req.outFile), `${JSON.stringify(manifest)}\n`);
  return { rebuilt: true, warnings };
}
