import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { build, type Plugin, version as esbuildVersion } from 'esbuild';
import { writeFileAtomic } from '../files/write-atomic.ts';
import { type InputStamps, inputsUnchanged, stampInputs } from './input-stamps.ts';

/**
 * A cell's bundle imports the SDK from this file beside it: a link to the SDK's own bundle, which
 * every cell of a tree that resolves the same SDK shares (see {@link ensureSdkBundle}).
 */
export const SDK_LINK = 'cell-sdk.mjs';

/** The import a cell's bundle keeps: the SDK comes from its own bundle. */
const SDK_SPECIFIER = '@cell/sdk';

interface SdkManifest {
  format: 1;
  esbuild: string;
  options: string;
  entry: string;
  /** The bundle's file name in its directory, named by its content. */
  file: string;
  inputs: InputStamps;
}

export interface SdkBundleRequest {
  /** The SDK's entry as the cell's imports resolve it (absolute). */
  entry: string;
  /** Where SDK bundles are kept: a tree's `.cell/sdk/`, or a cell's own build directory. */
  dir: string;
  /** esbuild options every cell bundle is made with (the ribosome's), and its banner. */
  options: Record<string, unknown>;
  /** Told once the SDK had to be bundled again. */
  onBuilt?: () => void;
}

export interface SdkBundle {
  /** Absolute path of the bundle (named by its content: a new SDK is a new file). */
  file: string;
  /** Its manifest: the SDK's inputs, which decide when it is made again. */
  manifest: string;
}

/** An SDK bundle's file, and its manifest's (a cell's own build directory holds its bundle's manifest too). */
const SDK_FILE = /^cell-sdk-[0-9a-f]{16}\.mjs$/;
const SDK_MANIFEST = /^cell-sdk-[0-9a-f]{16}\.manifest\.json$/;

function manifestPathOf(req: SdkBundleRequest): string {
  const key = createHash('sha256').update(`${req.entry}\n${JSON.stringify(req.options)}`).digest('hex').slice(0, 16);
  return join(req.dir, `cell-sdk-${key}.manifest.json`);
}

function readManifest(path: string): SdkManifest | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as SdkManifest;
  } catch {
    return undefined;
  }
}

/** The inputs an SDK bundle was made from (absolute paths); none when its manifest is gone. */
export function sdkInputs(manifest: string): string[] {
  return Object.keys(readManifest(manifest)?.inputs ?? {});
}

// One build per SDK bundle at a time: the cells of a tree are built together and share it.
const building = new Map<string, Promise<SdkBundle>>();

/**
 * The SDK's own bundle, made again only when one of its inputs changed. Its name comes from its
 * content: a process that loaded an older SDK (a running cell, a tree's spare) never sees a file
 * change under it, and whoever holds the path of the current one knows it is current.
 */
export function ensureSdkBundle(req: SdkBundleRequest): Promise<SdkBundle> {
  const manifest = manifestPathOf(req);
  let pending = building.get(manifest);
  if (!pending) {
    pending = makeSdkBundle(req, manifest).finally(() => building.delete(manifest));
    building.set(manifest, pending);
  }
  return pending;
}

async function makeSdkBundle(req: SdkBundleRequest, manifestPath: string): Promise<SdkBundle> {
  const options = JSON.stringify(req.options);
  const known = readManifest(manifestPath);
  if (known?.format === 1 && known.esbuild === esbuildVersion && known.options === options && known.entry === req.entry && existsSync(join(req.dir, known.file)) && inputsUnchanged(known.inputs)) {
    return { file: join(req.dir, known.file), manifest: manifestPath };
  }
  mkdirSync(req.dir, { recursive: true });
  const placeholder = join(req.dir, 'cell-sdk.mjs');
  const result = await build({
    ...req.options,
    stdin: { contents: `export * from ${JSON.stringify(req.entry)};\n`, resolveDir: dirname(req.entry), sourcefile: 'cell-sdk-entry.js', loader: 'js' },
    outfile: placeholder,
    absWorkingDir: dirname(req.entry),
    metafile: true,
    logLevel: 'silent',
    write: false,
  });
  const js = result.outputFiles.find((f) => f.path === placeholder)!;
  const map = result.outputFiles.find((f) => f.path === `${placeholder}.map`);
  const file = `cell-sdk-${createHash('sha256').update(js.contents).digest('hex').slice(0, 16)}.mjs`;
  if (map) writeFileAtomic(join(req.dir, `${file}.map`), map.contents);
  writeFileAtomic(join(req.dir, file), js.text.replace(/\/\/# sourceMappingURL=cell-sdk\.mjs\.map\s*$/, `//# sourceMappingURL=${file}.map\n`));
  // The entry written from stdin has no file: it is not an input.
  const inputs = stampInputs(Object.keys(result.metafile.inputs).map((input) => resolve(dirname(req.entry), input)));
  const manifest: SdkManifest = { format: 1, esbuild: esbuildVersion, options, entry: req.entry, file, inputs };
  writeFileAtomic(manifestPath, `${JSON.stringify(manifest)}\n`);
  req.onBuilt?.();
  return { file: join(req.dir, file), manifest: manifestPath };
}

/**
 * Points `<buildDir>/cell-sdk.mjs` at `sdkFile` (a relative link: a tree can move); replaced
 * atomically, so a cell starting meanwhile loads the old SDK or the new. True when it changed.
 */
export function linkSdk(buildDir: string, sdkFile: string): boolean {
  const link = join(buildDir, SDK_LINK);
  const target = relative(buildDir, sdkFile);
  try {
    if (readlinkSync(link) === target) return false;
  } catch {
    // no link yet, or a file of an older build: replaced below
  }
  const temp = join(buildDir, `.${SDK_LINK}.${process.pid}.${basename(sdkFile)}`);
  rmSync(temp, { force: true }); // left by a build that died here
  symlinkSync(target, temp);
  renameSync(temp, link);
  return true;
}

/** Removes a link left by an earlier build of a cell that no longer imports the SDK. */
export function unlinkSdk(buildDir: string): void {
  try {
    unlinkSync(join(buildDir, SDK_LINK));
  } catch {
    // none
  }
}

const RESOLVING = Symbol('resolving @cell/sdk');

/**
 * The SDK import of one cell's build: `@cell/sdk`, as the cell's directory resolves it, stays an
 * import of `./cell-sdk.mjs`, and that SDK is bundled on its own (once for the cells that share
 * it). Another SDK some dependency of the cell resolves (another version) is bundled in.
 */
export class SdkImport {
  private readonly cellDir: string;
  private readonly dir: string;
  private readonly options: Record<string, unknown>;
  private pending: Promise<SdkBundle> | undefined;
  /** The SDK's entry, once the cell's code imported it. */
  entry: string | undefined;

  constructor(cellDir: string, dir: string, options: Record<string, unknown>) {
    this.cellDir = cellDir;
    this.dir = dir;
    this.options = options;
  }

  plugin(): Plugin {
    let cells: Promise<string | undefined> | undefined;
    return {
      name: 'cell-sdk',
      setup: (b) => {
        const resolve = (resolveDir: string, importer = '') => b.resolve(SDK_SPECIFIER, { kind: 'import-statement', resolveDir, importer, pluginData: RESOLVING });
        b.onResolve({ filter: /^@cell\/sdk$/ }, async (args) => {
          if (args.pluginData === RESOLVING) return undefined;
          cells ??= resolve(this.cellDir).then((r) => (r.errors.length > 0 ? undefined : r.path));
          const [own, here] = await Promise.all([cells, resolve(args.resolveDir, args.importer)]);
          if (here.errors.length > 0) return { errors: here.errors };
          if (here.path !== own) return { path: here.path, namespace: here.namespace };
          this.entry = own;
          this.pending ??= ensureSdkBundle({ entry: own, dir: this.dir, options: this.options });
          await this.pending;
          return { path: `./${SDK_LINK}`, external: true };
        });
      },
    };
  }

  /** The SDK's bundle, when the cell imports the SDK. */
  bundle(): Promise<SdkBundle | undefined> {
    return this.pending ?? Promise.resolve(undefined);
  }
}

/**
 * Removes the SDK bundles in `dir` no build links any more (`linked`: the real paths the builds of
 * a tree link, old majors' included), with their maps and manifests: a new SDK is a new file, and
 * the old ones would pile up. A process that loaded one keeps it; the next start reads the link.
 * Only bundles older than the newest linked one go: another build of the tree running meanwhile
 * may have made one it has not linked yet.
 */
export function pruneSdkBundles(dir: string, linked: ReadonlySet<string>): string[] {
  const names = namesIn(dir);
  if (names.length === 0) return [];
  const real = realpathSync(dir);
  const mtime = (name: string) => statSync(join(dir, name)).mtimeMs;
  const bundles = names.filter((name) => SDK_FILE.test(name));
  const newestLinked = Math.max(-Infinity, ...bundles.filter((name) => linked.has(join(real, name))).map(mtime));
  const removed: string[] = [];
  for (const name of bundles) {
    if (linked.has(join(real, name)) || mtime(name) >= newestLinked) continue;
    rmSync(join(dir, name), { force: true });
    rmSync(join(dir, `${name}.map`), { force: true });
    removed.push(name);
  }
  for (const name of names) {
    if (!SDK_MANIFEST.test(name)) continue;
    const file = readManifest(join(dir, name))?.file;
    if (file === undefined || removed.includes(file)) rmSync(join(dir, name), { force: true });
  }
  return removed;
}

/** The names in `dir`; none when it is not there. */
function namesIn(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Forgets what the SDK bundles in `dir` were made from: the next build makes them again (`--force`). */
export function forgetSdkBundles(dir: string): void {
  for (const name of namesIn(dir)) if (SDK_MANIFEST.test(name)) rmSync(join(dir, name), { force: true });
}

/** The SDK bundle a built cell loads (the real path behind its link), or undefined when it has none. */
export function sdkOfBuild(main: string): string | undefined {
  try {
    return realpathSync(join(dirname(main), SDK_LINK));
  } catch {
    return undefined;
  }
}
