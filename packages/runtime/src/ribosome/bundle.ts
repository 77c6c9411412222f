import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion, type Message } from 'esbuild';
import { CellError } from '@cell/protocol';
import { nativeExternals } from './native-externals.ts';
import { wideSourceWarning } from './source-width.ts';
import { type InputStamps, inputsUnchanged, stampInputs } from './input-stamps.ts';
import { ensureSdkBundle, linkSdk, SdkImport, sdkInputs, unlinkSdk } from './sdk-bundle.ts';
import { writeFileAtomic } from '../files/write-atomic.ts';

interface Manifest {
  format: 1;
  esbuild: string;
  /** How it was bundled (the options and banner): a bundle made otherwise is made again. */
  options: string;
  entry: string;
  inputs: InputStamps;
  /** The SDK's entry and its bundle's manifest, when the SDK is loaded from its own bundle (`sdkDir`). */
  sdk?: { entry: string; manifest: string };
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
  /**
   * Where the SDK's own bundle is kept (a tree's, shared by its cells): the cell's bundle imports
   * `@cell/sdk` from `cell-sdk.mjs` beside it, a link to that bundle, and its banner runs from
   * `cell-start.mjs`, imported first. Without it, the SDK is bundled in.
   */
  sdkDir?: string;
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
  return JSON.stringify({ ...CELL_BUNDLE_OPTIONS, banner: bundleBanner(req.banner), sdk: req.sdkDir !== undefined });
}

function readManifest(outFile: string): Manifest | undefined {
  try {
    return JSON.parse(readFileSync(manifestPath(outFile), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

function manifestPath(outFile: string): string {
  return `${outFile}.manifest.json`;
}

/** The files the last build of `outFile` read (absolute paths), its SDK's included; none when it was never built. */
export function bundleInputs(outFile: string): string[] {
  const manifest = readManifest(outFile);
  return [...Object.keys(manifest?.inputs ?? {}), ...(manifest?.sdk ? sdkInputs(manifest.sdk.manifest) : [])];
}

/** The manifest of the last build of `req.outFile`, when nothing it was made from has changed since. */
function upToDate(req: BundleRequest): Manifest | undefined {
  const manifest = existsSync(req.outFile) ? readManifest(req.outFile) : undefined;
  return manifest && unchanged(req, manifest) ? manifest : undefined;
}

function unchanged(req: BundleRequest, manifest: Manifest): boolean {
  if (manifest.format !== 1 || manifest.esbuild !== esbuildVersion || manifest.options !== bundleOptionsKey(req) || manifest.entry !== req.entry) return false;
  // A bundle made with its SDK apart imports the banner's file, whether it imports the SDK or not.
  return inputsUnchanged(manifest.inputs) && (req.sdkDir === undefined || existsSync(join(dirname(req.outFile), START_FILE)));
}

/** Throws CELL_E_BUILD_FAILED with esbuild's errors. */
function failed(req: BundleRequest, err: unknown): never {
  const errors = ((err as { errors?: Message[] }).errors ?? []).map(describeMessage);
  throw new CellError('CELL_E_BUILD_FAILED', `build of ${req.cell} failed:\n${errors.map((e) => `  ${e}`).join('\n') || String(err)}`, {
    details: { cell: req.cell, errors },
    cause: err,
  });
}

function describeMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}:${m.location.column + 1}: ` : '';
  return `${where}${m.text}`;
}

/** The esbuild options of a cell's bundle in `dir`, and of its SDK's (whose banner is the require() shim alone). */
function esbuildOptions(req: BundleRequest) {
  return {
    ...CELL_BUNDLE_OPTIONS,
    conditions: [...CELL_BUNDLE_OPTIONS.conditions],
    banner: { js: REQUIRE_SHIM },
    external: nativeExternals(req.dir, shippedNodeModules()),
    nodePaths: shippedNodeModules(),
  };
}

/** The file a split bundle's banner runs from: imported first, so it runs before the SDK loads. */
export const START_FILE = 'cell-start.mjs';

/**
 * Bundles `entry` (and everything it imports, the SDK included unless `sdkDir` is given) into
 * one ES module, only when an input changed since the last bundle (mtime and size of every input
 * are recorded).
 */
export async function bundleIfChanged(req: BundleRequest): Promise<BundleResult> {
  const options = esbuildOptions(req);
  const outDir = dirname(req.outFile);
  const known = req.force ? undefined : upToDate(req);
  if (known) {
    const sdk = known.sdk && req.sdkDir !== undefined ? await ensureSdkBundle({ entry: known.sdk.entry, dir: req.sdkDir, options }).catch((err: unknown) => failed(req, err)) : undefined;
    await req.beforeWrite?.();
    // The cell is the same, its SDK may be new: the cell is rebuilt when its link changes.
    return { rebuilt: sdk !== undefined && linkSdk(outDir, sdk.file), warnings: [] };
  }
  mkdirSync(outDir, { recursive: true });
  const sdk = req.sdkDir === undefined ? undefined : new SdkImport(req.dir, req.sdkDir, options);
  let result;
  let sdkBundle;
  try {
    result = await build({
      entryPoints: [req.entry],
      outfile: req.outFile,
      ...options,
      banner: { js: sdk ? `${REQUIRE_SHIM}\nimport './${START_FILE}';` : bundleBanner(req.banner) },
      plugins: sdk ? [sdk.plugin()] : [],
      metafile: true,
      logLevel: 'silent',
      absWorkingDir: req.dir,
      // Written below, each file atomically: a replica starting meanwhile never reads half a bundle.
      write: false,
    });
    sdkBundle = await sdk?.bundle();
  } catch (err) {
    failed(req, err);
  }
  await req.beforeWrite?.();
  const warnings = result.warnings.map(describeMessage);
  if (sdk) writeFileAtomic(join(outDir, START_FILE), `${req.banner ?? ''}\n`);
  for (const out of result.outputFiles) {
    writeFileAtomic(out.path, out.contents);
    if (!out.path.endsWith('.map')) {
      const wide = wideSourceWarning(relative(req.dir, out.path), out.text);
      if (wide) warnings.push(wide);
    }
  }
  if (sdkBundle) linkSdk(outDir, sdkBundle.file);
  else if (sdk) unlinkSdk(outDir);
  const inputs = stampInputs(Object.keys(result.metafile.inputs).map((input) => join(req.dir, input)));
  const manifest: Manifest = { format: 1, esbuild: esbuildVersion, options: bundleOptionsKey(req), entry: req.entry, inputs };
  if (sdkBundle && sdk?.entry) manifest.sdk = { entry: sdk.entry, manifest: sdkBundle.manifest };
  writeFileAtomic(manifestPath(req.outFile), `${JSON.stringify(manifest)}\n`);
  return { rebuilt: true, warnings };
}
