import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { unixfs } from '@helia/unixfs';
import type { CID } from 'multiformats/cid';
import { CellError } from '@cell/protocol';
import { canonicalBytes, canonicalJson } from './canonical-json.ts';
import { findNpmProject, type LockEntry, type NeededPackage, neededPackages, runtimeDeps } from './npm-lock.ts';
import { integrityOf, matchesIntegrity, type TarballSource, tarballUrl } from './npm-tarballs.ts';
import { listSourceFiles } from './source-files.ts';

/** Where a bundle keeps the npm tarballs its lockfile needs. */
export const TARBALL_DIR = '.npm-tarballs';
/** Bumped when what goes into a bundle or how it is hashed changes (the importer's CID profile included). */
const BUNDLE_FORMAT = 'cell-bundle/1 unixfs-v1-2025';
const NPM_REGISTRY = 'https://registry.npmjs.org/';

/** One file of a bundle: its bytes now, or where to get them when the bundle is stored. */
export interface BundleEntry {
  path: string;
  executable: boolean;
  /** Identifies the content without reading it all (a sha256, or a tarball's integrity). */
  contentId: string;
  load(): Promise<Uint8Array>;
}

/** A cell's bundle before it is stored: its entries sorted by path, and a digest of them. */
export interface BundlePlan {
  entries: BundleEntry[];
  /** Changes exactly when the bundle's CID would (same format, same entries). */
  digest: string;
  /** Files left out because they are not regular files. */
  skipped: string[];
}

export interface PlanBundleOptions {
  /** The cell's name (for errors). */
  cell: string;
  cellDir: string;
  treeRoot: string;
  /** Directories of the cell's sub-cells (bundled on their own). */
  exclude: readonly string[];
  tarballs: TarballSource;
  /** Workspace packages packed once per publish, shared by the cells of a tree. */
  packed?: Map<string, Promise<Uint8Array>>;
  /** False: only the source files (a cell donors do not build carries no npm packages). Default true. */
  packages?: boolean;
}

const sha256 = (bytes: Uint8Array) => `sha256-${createHash('sha256').update(bytes).digest('base64')}`;

function tarballName(p: NeededPackage): string {
  return `${p.name.replace('/', '+')}-${p.version}.tgz`;
}

function bytesEntry(path: string, bytes: Uint8Array): BundleEntry {
  return { path, executable: false, contentId: sha256(bytes), load: () => Promise.resolve(bytes) };
}

/**
 * The bundle of one cell: its source files (`listSourceFiles`), and when an npm project applies
 * to it, a `package.json` (its runtime fields; workspace dependencies pointing at their tarballs),
 * a `package-lock.json` pruned to what it needs at run time, and those packages' tarballs under
 * `.npm-tarballs/` — so `npm ci --offline` builds it with no network. Platform-specific optional
 * packages are carried for the platforms npm installed them for on this machine.
 */
export async function planBundle(options: PlanBundleOptions): Promise<BundlePlan> {
  const { cell, cellDir } = options;
  const { files, skipped } = listSourceFiles(cellDir, { exclude: options.exclude, treeRoot: options.treeRoot });
  const entries = new Map<string, BundleEntry>();
  for (const f of files) {
    const bytes = await readFile(f.file);
    entries.set(f.path, { path: f.path, executable: f.executable, contentId: sha256(bytes), load: () => Promise.resolve(bytes) });
  }
  const project = options.packages === false ? undefined : findNpmProject(cellDir, cell);
  if (project) {
    const needed = neededPackages(project, cell);
    const packed = options.packed ?? new Map<string, Promise<Uint8Array>>();
    const links = needed.filter((p) => p.linkDir !== undefined && !packed.has(p.linkDir));
    if (links.length > 0) {
      const all = options.tarballs.packDirs(links.map((p) => p.linkDir!));
      for (const p of links) packed.set(p.linkDir!, all.then((m) => m.get(p.linkDir!)!));
    }
    const lockPackages: Record<string, LockEntry> = {};
    const rewritten: Record<string, string> = {};
    for (const p of needed) {
      const file = `${TARBALL_DIR}/${tarballName(p)}`;
      const { dev: _dev, devOptional: _devOptional, link: _link, resolved: _resolved, ...kept } = p.entry;
      if (p.linkDir !== undefined) {
        const bytes = await packed.get(p.linkDir)!;
        const integrity = integrityOf(bytes);
        lockPackages[p.key] = { ...kept, version: p.version, resolved: `file:${file}`, integrity };
        if (p.key === `node_modules/${p.name}`) rewritten[p.name] = `file:${file}`;
        entries.set(file, { path: file, executable: false, contentId: integrity, load: () => Promise.resolve(bytes) });
      } else {
        const integrity = p.entry.integrity;
        if (!integrity) throw new CellError('CELL_E_BUNDLE_FAILED', `${p.name}@${p.version} has no integrity in the lockfile`, { details: { cell } });
        // npm needs a tarball URL to look its integrity up in the cache offline. Always npm's public
        // registry's form, whatever this machine's mirror: npm points it at the donor's registry.
        lockPackages[p.key] = { ...kept, resolved: tarballUrl(NPM_REGISTRY, p.name, p.version), ...(p.optional ? { optional: true } : {}) };
        // A platform's own binary (optional, with os/cpu) is carried only when npm installed it here:
        // other platforms' donors build without it, as npm skips an optional package it cannot get.
        if (p.optional && (p.entry['os'] !== undefined || p.entry['cpu'] !== undefined) && !(await options.tarballs.cached(integrity))) continue;
        entries.set(file, {
          path: file,
          executable: false,
          contentId: integrity,
          load: async () => {
            const bytes = await options.tarballs.registry(p.name, p.version, integrity);
            if (!matchesIntegrity(bytes, integrity)) throw new CellError('CELL_E_BUNDLE_FAILED', `the tarball of ${p.name}@${p.version} does not match the lockfile`, { details: { cell } });
            return bytes;
          },
        });
      }
    }
    dropMissingOptionals(lockPackages);
    const pkg = bundledPackageJson(project.packageJson, rewritten);
    const lock = { name: pkg['name'] ?? cell, version: pkg['version'] ?? '0.0.0', lockfileVersion: 3, requires: true, packages: { '': rootEntry(pkg), ...lockPackages } };
    entries.set('package.json', bytesEntry('package.json', Buffer.from(`${JSON.stringify(pkg, null, 2)}\n`)));
    entries.set('package-lock.json', bytesEntry('package-lock.json', Buffer.from(`${JSON.stringify(lock, null, 2)}\n`)));
  }
  const sorted = [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const digest = sha256(canonicalBytes([BUNDLE_FORMAT, sorted.map((e) => [e.path, e.executable, e.contentId])]));
  return { entries: sorted, digest, skipped };
}

/**
 * Optional dependencies the source lockfile never had (other platforms' binaries npm did not
 * record) would make `npm ci` call the lockfile out of sync: the pruned lockfile names only those
 * it holds.
 */
function dropMissingOptionals(packages: Record<string, LockEntry>): void {
  const names = new Set(Object.keys(packages).map((k) => k.slice(k.lastIndexOf('node_modules/') + 'node_modules/'.length)));
  for (const entry of Object.values(packages)) {
    if (!entry.optionalDependencies) continue;
    entry.optionalDependencies = Object.fromEntries(Object.entries(entry.optionalDependencies).filter(([n]) => names.has(n)));
  }
}

/** The package.json a bundle carries: the project's, without dev dependencies or workspaces, workspace dependencies as tarballs. */
function bundledPackageJson(original: Record<string, unknown>, rewritten: Record<string, string>): Record<string, unknown> {
  const { devDependencies: _dev, workspaces: _ws, ...pkg } = original;
  for (const field of ['dependencies', 'optionalDependencies'] as const) {
    const deps = pkg[field] as Record<string, string> | undefined;
    if (deps) pkg[field] = Object.fromEntries(Object.entries(deps).map(([n, spec]) => [n, rewritten[n] ?? spec]));
  }
  return pkg;
}

function rootEntry(pkg: Record<string, unknown>): LockEntry {
  const entry: LockEntry = { name: pkg['name'] as string | undefined, version: pkg['version'] as string | undefined };
  if (Object.keys(runtimeDeps(pkg)).length > 0) {
    if (pkg['dependencies']) entry.dependencies = pkg['dependencies'] as Record<string, string>;
    if (pkg['optionalDependencies']) entry.optionalDependencies = pkg['optionalDependencies'] as Record<string, string>;
  }
  return JSON.parse(canonicalJson(entry)) as LockEntry;
}

/** What storing a bundle gives: its CID, and its size. */
export interface StoredBundle {
  cid: CID;
  files: number;
  bytes: number;
}

/**
 * Stores a bundle as a UnixFS directory in `blockstore` and returns its CID. Deterministic: entries
 * in path order, no mtimes, a mode only on executables (0755), the IPIP-499 `unixfs-v1-2025` CID
 * profile (CIDv1, raw leaves, 1 MiB chunks) — the same files give the same CID on any machine.
 */
export async function storeBundle(plan: BundlePlan, blockstore: Parameters<typeof unixfs>[0]['blockstore']): Promise<StoredBundle> {
  let bytes = 0;
  const source = async function* () {
    for (const e of plan.entries) {
      const content = await e.load();
      bytes += content.byteLength;
      yield { path: e.path, content, ...(e.executable ? { mode: 0o755 } : {}) };
    }
  };
  let root: CID | undefined;
  for await (const r of unixfs({ blockstore }).addAll(source(), { wrapWithDirectory: true, profile: 'unixfs-v1-2025' })) {
    if (r.path === '') root = r.cid;
  }
  if (!root) throw new CellError('CELL_E_BUNDLE_FAILED', 'the bundle has no root');
  return { cid: root, files: plan.entries.length, bytes };
}
