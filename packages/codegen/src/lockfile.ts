import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { canonicalJson, type Genome } from '@cell/contract';

/** What a consumer was built against, for one dependency. */
export interface LockedDep {
  /** The dependency's cell name. */
  cell: string;
  version: string;
  fingerprint: string;
  /** The whole genome: lets `cell check` name each change, and bindings be generated offline. */
  genome: Genome;
}

/** A dependency from a git repository, pinned: the commit its ref named when it was fetched. */
export interface LockedGit {
  url: string;
  ref: string;
  /** Full commit id. */
  commit: string;
}

/** `cell.lock`: committed next to cell.toml, like a package lockfile. */
export interface CellLock {
  lock: 1;
  deps: Record<string, LockedDep>;
  /** Git dependencies by name: the commit each is built and run at (`cell update <dep>` moves it). */
  git?: Record<string, LockedGit>;
}

export const LOCK_FILE = 'cell.lock';

/** Reads a cell's lock; undefined when it has none yet. */
export function readLock(dir: string): CellLock | undefined {
  const path = join(dir, LOCK_FILE);
  if (!existsSync(path)) return undefined;
  let lock: CellLock;
  try {
    lock = JSON.parse(readFileSync(path, 'utf8')) as CellLock;
  } catch (err) {
    throw new CellError('CELL_E_CONFIG_INVALID', `${path} is not valid JSON: ${(err as Error).message}; delete it and run \`cell types\``);
  }
  const gitOk = (l: CellLock) => l.git === undefined || (isObject(l.git) && Object.values(l.git).every(isLockedGit));
  if (!isObject(lock) || lock.lock !== 1 || !isObject(lock.deps) || !Object.values(lock.deps).every(isLockedDep) || !gitOk(lock)) {
    throw new CellError('CELL_E_CONFIG_INVALID', `${path} is not a cell.lock of format 1; delete it and run \`cell types\``);
  }
  return lock;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLockedDep(v: unknown): boolean {
  return isObject(v) && typeof v['cell'] === 'string' && typeof v['version'] === 'string' && typeof v['fingerprint'] === 'string' && isObject(v['genome']);
}

function isLockedGit(v: unknown): boolean {
  return isObject(v) && typeof v['url'] === 'string' && typeof v['ref'] === 'string' && typeof v['commit'] === 'string' && /^[0-9a-f]{40,64}$/.test(v['commit']);
}

/** Writes a cell's lock with sorted keys, so it diffs cleanly; returns true when it changed. */
export function writeLock(dir: string, lock: CellLock): boolean {
  const path = join(dir, LOCK_FILE);
  const deps: Record<string, LockedDep> = {};
  for (const name of Object.keys(lock.deps).sort()) deps[name] = lock.deps[name]!;
  const git = lock.git && Object.keys(lock.git).length > 0 ? { git: lock.git } : {};
  const text = `${JSON.stringify(JSON.parse(canonicalJson({ lock: 1, deps, ...git })), null, 2)}\n`;
  if (existsSync(path) && readFileSync(path, 'utf8') === text) return false;
  writeFileSync(path, text);
  return true;
}
