import { existsSync, mkdirSync, readdirSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CellError } from '@cell/protocol';
import { BUILD_DIR, CELL_BANNER, MAIN_FILE } from '../ribosome/build-cell.ts';
import { SANDBOX_NODE } from './capsid-probe.ts';
import { directoryDigest } from './directory-digest.ts';
import { bundleBanner, CELL_BUNDLE_OPTIONS } from '../ribosome/bundle.ts';
import { nativeExternals } from '../ribosome/native-externals.ts';
import { type CapsidBuildResult, type CapsidBuildSpec, npmCacheAddCommand, npmCachePath } from './capsid-build.ts';
import type { CapsidResources } from './capsid-context.ts';

/** Where a tree appears inside a build capsid; the cell being built is the only writable part of it. */
const SANDBOX_TREE = '/tree';
const SANDBOX_ESBUILD = '/opt/cell/esbuild';

/** The native esbuild binary of the host's `esbuild` package (it needs nothing else to run). */
export function esbuildBinary(): string {
  const main = createRequire(import.meta.url).resolve('esbuild');
  const arch = process.arch === 'x64' ? 'x64' : process.arch;
  const binary = createRequire(main).resolve(`@esbuild/${process.platform}-${arch}/bin/esbuild`);
  return realpathSync(binary);
}

/** esbuild's command line for a cell: the options of `bundleIfChanged`, as flags. */
export function esbuildCliArgs(entry: string, outFile: string, externals: readonly string[]): string[] {
  const o = CELL_BUNDLE_OPTIONS;
  return [
    entry,
    ...(o.bundle ? ['--bundle'] : []),
    `--platform=${o.platform}`,
    `--format=${o.format}`,
    `--target=${o.target}`,
    `--conditions=${o.conditions.join(',')}`,
    `--sourcemap=${o.sourcemap}`,
    ...(o.minifyWhitespace ? ['--minify-whitespace'] : []),
    `--line-limit=${o.lineLimit}`,
    `--outfile=${outFile}`,
    `--banner:js=${bundleBanner(CELL_BANNER)}`,
    ...externals.map((e) => `--external:${e}`),
    '--log-level=warning',
  ];
}

/** What a sandboxed build needs of the machine: its capsid host's `build`. */
export interface CellBuilder {
  build(spec: CapsidBuildSpec): Promise<CapsidBuildResult>;
}

/** An npm cache the builds of one tree share, and the tarballs (by file name) already added to it. */
export interface SharedNpmCache {
  dir: string;
  added: Set<string>;
}

export interface SandboxedCellBuild {
  /** The fetched tree's root (read-only to the build). */
  treeRoot: string;
  /** The cell's directory, inside `treeRoot`. */
  cellDir: string;
  /** Its entry (from its `cell.toml`): absolute, or relative to `cellDir`; inside the tree. A process cell has none. */
  entry?: string | undefined;
  /** Directory of the cell holding registry tarballs for npm's cache (a bundle's `.npm-tarballs`). */
  tarballDir?: string | undefined;
  /** An npm cache shared by the cells of a tree: each tarball is added once, for all of them. */
  npmCache?: SharedNpmCache | undefined;
  allowScripts?: boolean | undefined;
  resources?: Partial<CapsidResources> | undefined;
  timeoutMs?: number | undefined;
}

/** Where a host path inside the tree is inside the capsid; anything outside the tree is refused. */
function inSandbox(treeRoot: string, path: string): string {
  const inTree = relative(treeRoot, resolve(treeRoot, path));
  if (inTree.startsWith('..') || isAbsolute(inTree)) throw new CellError('CELL_E_INVALID_ARGUMENT', `${path} is not inside the tree ${treeRoot}`);
  return inTree === '' ? SANDBOX_TREE : `${SANDBOX_TREE}/${inTree.split(sep).join('/')}`;
}

function sandboxPaths(spec: SandboxedCellBuild) {
  const workdir = inSandbox(spec.treeRoot, spec.cellDir);
  return { dir: spec.cellDir, workdir, resources: spec.resources, timeoutMs: spec.timeoutMs, allowScripts: spec.allowScripts, npmCache: spec.npmCache?.dir };
}

/**
 * Builds cells of a fetched tree the way a donor must: nothing of them runs on the host. Step
 * one, for every cell: in a capsid, `npm ci --offline` installs its lockfile from the tarballs its
 * bundle carries (when it has one). Step two (`bundleCellSandboxed`), once every cell is
 * installed (a cell may import a sibling's contract, which resolves the sibling's packages). Both
 * see the whole tree read-only and may write only the cell's own directory; neither has a network.
 */
export async function installCellSandboxed(builder: CellBuilder, spec: SandboxedCellBuild): Promise<void> {
  if (!existsSync(join(spec.cellDir, 'package-lock.json'))) return;
  const paths = sandboxPaths(spec);
  const readOnly: Array<[string, string]> = [[spec.treeRoot, SANDBOX_TREE]];
  // Registry packages travel as tarballs: into npm's cache first, where `npm ci` finds them by integrity.
  const carried = spec.tarballDir === undefined ? undefined : join(spec.cellDir, spec.tarballDir);
  const shared = spec.npmCache;
  const tarballs = (carried !== undefined && existsSync(carried) ? readdirSync(carried).filter((f) => f.endsWith('.tgz')).sort() : []).filter((f) => !shared?.added.has(f));
  if (tarballs.length > 0) {
    await builder.build({ ...paths, readOnly, command: npmCacheAddCommand(tarballs.map((f) => `${paths.workdir}/${spec.tarballDir}/${f}`), npmCachePath(paths)) });
    // A tarball of the same name another cell carries may differ: npm still finds each lockfile's by its integrity.
    for (const f of tarballs) shared?.added.add(f);
  }
  await builder.build({ ...paths, readOnly });
}

/**
 * In a capsid, the host's esbuild binary bundles the cell's entry with the options of
 * `cell build` (type-checking was the author's) into `<cellDir>/.cell/build/main.mjs`.
 */
export async function bundleCellSandboxed(builder: CellBuilder, spec: SandboxedCellBuild): Promise<string> {
  if (spec.entry === undefined) throw new CellError('CELL_E_INVALID_ARGUMENT', `${spec.cellDir} has no entry to bundle`);
  mkdirSync(dirname(join(spec.cellDir, MAIN_FILE)), { recursive: true });
  // Native packages stay outside the bundle, loaded from the cell's node_modules at run time.
  const externals = nativeExternals(spec.cellDir);
  await builder.build({
    ...sandboxPaths(spec),
    readOnly: [
      [spec.treeRoot, SANDBOX_TREE],
      [esbuildBinary(), SANDBOX_ESBUILD],
    ],
    command: [SANDBOX_ESBUILD, ...esbuildCliArgs(inSandbox(spec.treeRoot, resolve(spec.cellDir, spec.entry)), MAIN_FILE, externals)],
  });
  return join(spec.cellDir, MAIN_FILE);
}

/**
 * A process cell's own `[build] run` (if it has one), in a capsid, in its directory, with
 * `CELL_BUILD_DIR` (`.cell/build/`) and its `node_modules/.bin` on `PATH` as under `cell build`;
 * then a digest of everything the cell's directory holds (a build quorum compares it), refused
 * when it holds more than `maxBytes`.
 */
export async function buildProcessCellSandboxed(
  builder: CellBuilder,
  spec: SandboxedCellBuild,
  build: { run: readonly string[]; timeoutMs: number } | undefined,
  maxBytes?: number,
): Promise<string> {
  if (build) {
    const paths = sandboxPaths(spec);
    mkdirSync(join(spec.cellDir, BUILD_DIR), { recursive: true });
    const env = { CELL_BUILD_DIR: `${paths.workdir}/${BUILD_DIR}`, PATH: `${paths.workdir}/node_modules/.bin:${dirname(SANDBOX_NODE)}:/usr/bin:/bin` };
    await builder.build({ ...paths, timeoutMs: build.timeoutMs, readOnly: [[spec.treeRoot, SANDBOX_TREE]], command: build.run, env });
  }
  return directoryDigest(spec.cellDir, { maxBytes });
}
