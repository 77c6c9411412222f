import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { CellError } from '@cell/protocol';

/** One entry of package-lock.json's `packages` (lockfile v2/v3). */
export interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/** A package a bundle needs, where it sits in the pruned lockfile. */
export interface NeededPackage {
  /** Key in the pruned lockfile (`node_modules/a/node_modules/b`). */
  key: string;
  name: string;
  version: string;
  /** The source lockfile's entry (the link's target for a workspace package). */
  entry: LockEntry;
  /** For a workspace package (a link in the lockfile): its absolute directory, packed into a tarball. */
  linkDir: string | undefined;
  /** True when only optional edges lead to it (its tarball may be missing for other platforms). */
  optional: boolean;
}

/** Where a cell's npm dependencies come from. */
export interface NpmProject {
  /** Directory of the package.json that applies to the cell (the cell's own, or the nearest above). */
  packageDir: string;
  packageJson: Record<string, unknown>;
  /** The lockfile that pins it (its own, or a workspace root's); undefined when nothing is needed. */
  lockFile: string | undefined;
}

function nearest(from: string, names: readonly string[]): string | undefined {
  for (let d = from; ; d = dirname(d)) {
    for (const n of names) if (existsSync(join(d, n))) return join(d, n);
    if (dirname(d) === d) return undefined;
  }
}

function readJson(file: string, cell: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CellError('CELL_E_BUNDLE_FAILED', `${file} is not JSON: ${(err as Error).message}`, { details: { cell }, cause: err });
  }
}

/** Runtime dependencies a package.json names (not dev ones): what a bundle carries. */
export function runtimeDeps(pkg: Record<string, unknown>): Record<string, string> {
  return { ...(pkg['dependencies'] as Record<string, string> | undefined), ...(pkg['optionalDependencies'] as Record<string, string> | undefined) };
}

/**
 * The npm project of a cell: the nearest package.json at or above its directory, and the nearest
 * package-lock.json (or npm-shrinkwrap.json) at or above that — a workspace root's lockfile
 * serves its members. Undefined when no package.json applies. A package.json with dependencies
 * and no lockfile is refused: without exact versions and hashes a donor could not build offline.
 */
export function findNpmProject(cellDir: string, cell: string): NpmProject | undefined {
  const pkgFile = nearest(cellDir, ['package.json']);
  if (!pkgFile) return undefined;
  const packageJson = readJson(pkgFile, cell);
  const lockFile = nearest(dirname(pkgFile), ['npm-shrinkwrap.json', 'package-lock.json']);
  if (!lockFile && Object.keys(runtimeDeps(packageJson)).length > 0) {
    throw new CellError('CELL_E_BUNDLE_FAILED', `${pkgFile} has dependencies but no package-lock.json pins them: run npm install`, { details: { cell } });
  }
  return { packageDir: dirname(pkgFile), packageJson, lockFile };
}

/** Lockfile keys a package at `key` looks up `name` under, nearest first (Node's resolution). */
function lookupKeys(key: string, name: string): string[] {
  const out: string[] = [];
  let parts = key === '' ? [] : key.split('/');
  for (;;) {
    if (parts.at(-1) !== 'node_modules') out.push([...parts, 'node_modules', name].join('/'));
    if (parts.length === 0) return out;
    parts = parts.slice(0, -1);
  }
}

/**
 * The packages the project at `packageDir` needs at run time, from its lockfile, placed as npm
 * would place them in a lockfile of their own (hoisted to the top unless two versions clash).
 * Dev dependencies are left out. A dependency the lockfile lacks fails, naming it.
 */
export function neededPackages(project: NpmProject, cell: string): NeededPackage[] {
  if (!project.lockFile) return [];
  const lock = readJson(project.lockFile, cell);
  const packages = lock['packages'] as Record<string, LockEntry> | undefined;
  if (!packages) throw new CellError('CELL_E_BUNDLE_FAILED', `${project.lockFile} is a version 1 lockfile: run npm install with npm 7 or later`, { details: { cell } });
  const lockDir = dirname(project.lockFile);
  const rootKey = relative(lockDir, project.packageDir).split(sep).join('/');
  /** New key -> old (source) key of what is placed there. */
  const placed = new Map<string, string>();
  const out = new Map<string, NeededPackage>();
  const queue: Array<{ fromOld: string; fromNew: string; deps: Record<string, string>; optional: Set<string>; parentOptional: boolean }> = [];
  const depsOf = (e: LockEntry) => ({ ...e.dependencies, ...e.optionalDependencies, ...nonOptionalPeers(e) });
  const optionalOf = (e: LockEntry) => new Set([...Object.keys(e.optionalDependencies ?? {}), ...Object.keys(e.peerDependenciesMeta ?? {}).filter((p) => e.peerDependenciesMeta?.[p]?.optional)]);
  const root = project.packageJson as LockEntry;
  queue.push({ fromOld: rootKey, fromNew: '', deps: runtimeDeps(project.packageJson), optional: optionalOf(root), parentOptional: false });
  for (let i = 0; i < queue.length; i++) {
    const { fromOld, fromNew, deps, optional, parentOptional } = queue[i]!;
    for (const name of Object.keys(deps).sort()) {
      const oldKey = lookupKeys(fromOld, name).find((k) => packages[k] !== undefined);
      if (oldKey === undefined) {
        if (optional.has(name)) continue;
        throw new CellError('CELL_E_BUNDLE_FAILED', `${name} (needed by ${fromOld || 'package.json'}) is not in ${project.lockFile}: run npm install`, { details: { cell } });
      }
      let entry = packages[oldKey]!;
      let id = oldKey;
      let linkDir: string | undefined;
      if (entry.link) {
        id = entry.resolved ?? oldKey;
        entry = packages[id] ?? {};
        linkDir = join(lockDir, id);
      }
      const isOptional = parentOptional || optional.has(name) || entry.optional === true;
      const visible = lookupKeys(fromNew, name).find((k) => placed.has(k));
      if (visible !== undefined && placed.get(visible) === id) {
        const known = out.get(visible)!;
        known.optional &&= isOptional;
        continue;
      }
      const key = visible === undefined ? `node_modules/${name}` : `${fromNew ? `${fromNew}/` : ''}node_modules/${name}`;
      placed.set(key, id);
      if (!entry.version) throw new CellError('CELL_E_BUNDLE_FAILED', `${name} has no version in ${project.lockFile}`, { details: { cell } });
      out.set(key, { key, name, version: entry.version, entry, linkDir, optional: isOptional });
      queue.push({ fromOld: id, fromNew: key, deps: depsOf(entry), optional: optionalOf(entry), parentOptional: isOptional });
    }
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function nonOptionalPeers(e: LockEntry): Record<string, string> {
  const peers = e.peerDependencies ?? {};
  return Object.fromEntries(Object.entries(peers).filter(([p]) => !e.peerDependenciesMeta?.[p]?.optional));
}
