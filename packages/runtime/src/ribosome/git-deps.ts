import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CellError } from '@cell/protocol';
import { type CellConfig, type GitDepSpec, readCellConfig } from '@cell/config';
import { type LockedGit, readLock, writeLock } from '@cell/codegen';

const run = promisify(execFile);

/** What fetching one git dependency did. */
export interface GitFetch {
  consumer: string;
  dep: string;
  url: string;
  ref: string;
  commit: string;
  /** `locked`: cell.lock's commit, already here; `fetched`: new in cell.lock; `updated`: moved by `cell update`. */
  action: 'locked' | 'fetched' | 'updated';
  /** The commit the ref names now, when it moved away from the locked one (reported, not followed). */
  moved: string | undefined;
  /** Why the remote was not asked (offline, unreachable): the locked commit was used from the cache. */
  offline: string | undefined;
}

export interface GitFetchOptions {
  /** Dependency names (`[deps]` keys) whose lock moves to what their ref names now (`cell update`). */
  update?: readonly string[];
  /** Never ask the remote: only locked commits already in the cache will do. */
  offline?: boolean;
  /** Bounds every git command (default 120 s). */
  timeoutMs?: number;
}

/** git, never prompting (no terminal), in the C locale; a failure names the dependency and what git said. */
async function git(args: string[], what: string, timeoutMs: number): Promise<string> {
  try {
    const { stdout } = await run('git', args, { env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; code?: unknown; killed?: boolean; message: string };
    const lines = (e.stderr ?? '').trim().split('\n').filter(Boolean);
    const said = (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? e.message).replace(/^(fatal|error):\s*/, '');
    const why = e.code === 'ENOENT' ? 'git is not installed (it fetches git dependencies)' : e.killed ? `git took longer than ${timeoutMs} ms` : said;
    throw new CellError('CELL_E_GIT_FAILED', `${what}: ${why}`);
  }
}

/** One bare repository per URL, shared by the tree, under the root's `.cell/git/`. */
function cacheDir(root: string, url: string): string {
  return join(root, '.cell', 'git', `${createHash('sha256').update(url).digest('hex').slice(0, 16)}.git`);
}

/** The commit `ref` names in the cache: a tag, a branch, the default branch (`HEAD`), or a commit id. */
async function resolveRef(cache: string, ref: string, what: string, timeoutMs: number): Promise<string | undefined> {
  const candidates = ref === 'HEAD' ? ['refs/cell/HEAD'] : [`refs/tags/${ref}`, `refs/remotes/origin/${ref}`, ref];
  for (const c of candidates) {
    const out = await git(['--git-dir', cache, 'rev-parse', '--verify', '--quiet', `${c}^{commit}`], what, timeoutMs).catch(() => '');
    if (/^[0-9a-f]{40,64}$/.test(out.trim())) return out.trim();
  }
  return undefined;
}

/** Writes the tree of `commit` into `dir` (made whole, then renamed into place: never half there). */
async function checkout(cache: string, commit: string, dir: string, what: string, timeoutMs: number): Promise<void> {
  if (existsSync(join(dir, 'cell.toml'))) return;
  const partial = `${dir}.partial-${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const tar = `${partial}.tar`;
  try {
    await git(['--git-dir', cache, 'archive', '--format=tar', '-o', tar, commit], what, timeoutMs);
    await run('tar', ['-xf', tar, '-C', partial], { timeout: timeoutMs });
    if (!existsSync(join(partial, 'cell.toml'))) throw new CellError('CELL_E_GIT_FAILED', `${what}: the repository has no cell.toml at its root (at ${commit.slice(0, 12)})`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  } finally {
    rmSync(tar, { force: true });
    rmSync(partial, { recursive: true, force: true });
  }
}

/** Fetches one git dependency of `consumer` into the cache and its checkout; returns what it did and the lock entry. */
async function fetchOne(root: string, consumer: CellConfig, name: string, dep: GitDepSpec, locked: LockedGit | undefined, options: GitFetchOptions): Promise<GitFetch> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const what = `${consumer.cell.name}: git dependency ${name} (${dep.url}#${dep.ref})`;
  const cache = cacheDir(root, dep.url);
  if (!existsSync(join(cache, 'HEAD'))) {
    mkdirSync(cache, { recursive: true });
    await git(['init', '--bare', '--quiet', cache], what, timeoutMs);
  }
  const pinned = locked && locked.url === dep.url && locked.ref === dep.ref && !options.update?.includes(name) ? locked : undefined;
  const cached = pinned ? (await git(['--git-dir', cache, 'cat-file', '-t', pinned.commit], what, timeoutMs).catch(() => '')).trim() === 'commit' : false;
  let offline: string | undefined = options.offline ? 'offline' : undefined;
  if (!offline) {
    const fetch = git(['--git-dir', cache, 'fetch', '--quiet', '--prune', '--force', '--no-tags', dep.url, '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*', '+HEAD:refs/cell/HEAD'], what, timeoutMs);
    // With the locked commit here, an unreachable remote is no reason to stop: build offline, and say so.
    offline = await fetch.then(
      () => undefined,
      (err: CellError<string>) => {
        if (!cached) throw err;
        return err.message.slice(what.length + 2);
      },
    );
  }
  if (pinned) {
    if (!cached && !(await resolveRef(cache, pinned.commit, what, timeoutMs))) {
      throw new CellError('CELL_E_GIT_FAILED', `${what}: the locked commit ${pinned.commit.slice(0, 12)} is not in the repository${offline ? ' (offline, and not in the cache)' : ''}; \`cell update ${name}\` locks what ${dep.ref} names now`);
    }
    const now = offline ? undefined : await resolveRef(cache, dep.ref, what, timeoutMs);
    await checkout(cache, pinned.commit, dirFor(consumer, name, pinned.commit), what, timeoutMs);
    return { consumer: consumer.cell.name, dep: name, url: dep.url, ref: dep.ref, commit: pinned.commit, action: 'locked', moved: now && now !== pinned.commit ? now : undefined, offline };
  }
  if (offline) throw new CellError('CELL_E_GIT_FAILED', `${what}: not in cell.lock, and the repository cannot be asked (${offline})`);
  const commit = await resolveRef(cache, dep.ref, what, timeoutMs);
  if (!commit) throw new CellError('CELL_E_GIT_FAILED', `${what}: no tag, branch or commit "${dep.ref}" in the repository`);
  await checkout(cache, commit, dirFor(consumer, name, commit), what, timeoutMs);
  return { consumer: consumer.cell.name, dep: name, url: dep.url, ref: dep.ref, commit, action: locked ? 'updated' : 'fetched', moved: undefined, offline: undefined };
}

function dirFor(consumer: CellConfig, name: string, commit: string): string {
  return join(consumer.dir, '.cell', 'deps', `${name}@${commit.slice(0, 12)}`);
}

/**
 * Makes every git dependency of the tree at `root` present: each at the commit its consumer's
 * cell.lock pins (a ref that moved since is reported, not followed; `update` moves named ones),
 * else at what its ref names now, pinned then. Repositories are fetched into one bare cache per
 * URL under the root's `.cell/git/`, so a locked commit builds offline; each dependency is checked
 * out into `<consumer>/.cell/deps/<name>@<commit>/` and followed like a path dependency — its own
 * git dependencies included. Fails with CELL_E_GIT_FAILED naming the consumer, the dependency and
 * what git said.
 */
export async function fetchGitDependencies(root: string, options: GitFetchOptions = {}): Promise<GitFetch[]> {
  const done: GitFetch[] = [];
  const seen = new Set<string>();
  const queue = [root];
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const { config } = readCellConfig(dir);
    if (!config) continue; // loading the tree reports every problem of every file, together
    for (const sub of Object.values(config.cells)) queue.push(sub.dir);
    const gitDeps = Object.entries(config.deps).filter((e): e is [string, GitDepSpec] => e[1].kind === 'git');
    for (const [, dep] of Object.entries(config.deps)) if (dep.kind === 'path') queue.push(dep.dir);
    if (gitDeps.length === 0) continue;
    const lock = readLock(dir) ?? { lock: 1 as const, deps: {} };
    const git: Record<string, LockedGit> = {};
    for (const [name, dep] of gitDeps) {
      const fetched = await fetchOne(root, config, name, dep, lock.git?.[name], options);
      git[name] = { url: dep.url, ref: dep.ref, commit: fetched.commit };
      done.push(fetched);
      queue.push(dirFor(config, name, fetched.commit));
    }
    writeLock(dir, { ...lock, git });
  }
  return done;
}
