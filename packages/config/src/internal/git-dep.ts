import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// Dependencies from git repositories, as cell.toml writes them and cell.lock pins them.

/** `git+https://host/x.git#v1`, `git+ssh://...`, `git+file:///...`, `git+git@host:x.git`; the part after `#` is the ref. */
export function parseGitDependency(value: string): { url: string; ref: string } | { problem: string } {
  const body = value.startsWith('git+') ? value.slice(4) : value;
  const hash = body.indexOf('#');
  const url = hash < 0 ? body : body.slice(0, hash);
  const ref = hash < 0 ? 'HEAD' : body.slice(hash + 1);
  const problem = gitUrlProblem(url) ?? (ref === '' || /[\s~^:?*[\\]|\.\.|^-/.test(ref) ? `"${ref}" is not a git ref (a tag, a branch or a commit)` : undefined);
  return problem ? { problem } : { url, ref };
}

function gitUrlProblem(url: string): string | undefined {
  if (/^[\w.-]+@[\w.-]+:[^\s]+$/.test(url)) return undefined; // scp-like: git@host:acme/mailer.git
  try {
    const u = new URL(url);
    if (!['https:', 'http:', 'ssh:', 'file:', 'git:'].includes(u.protocol)) return `git URL "${url}" must use https, ssh, file or git (or be git@host:path)`;
    return undefined;
  } catch {
    return `"${url}" is not a git URL (like git+https://host/acme/mailer.git#v2.1.0, git+file:///srv/mailer.git, or git+git@host:acme/mailer.git)`;
  }
}

/** A git dependency as cell.lock pins it. */
export interface LockedGitDep {
  url: string;
  ref: string;
  /** Full commit id. */
  commit: string;
}

/** The `git` section of a cell's cell.lock (empty when there is none, or it cannot be read: `cell build` rewrites it). */
export function lockedGitDeps(cellDir: string): Record<string, LockedGitDep> {
  const file = join(cellDir, 'cell.lock');
  if (!existsSync(file)) return {};
  try {
    const git = (JSON.parse(readFileSync(file, 'utf8')) as { git?: unknown }).git;
    return typeof git === 'object' && git !== null ? (git as Record<string, LockedGitDep>) : {};
  } catch {
    return {};
  }
}

/** Where a consumer keeps the checkout of a git dependency at `commit` (short, so its sockets' paths stay short). */
export function gitCheckoutDir(cellDir: string, name: string, commit: string): string {
  return join(cellDir, '.cell', 'deps', `${name}@${commit.slice(0, 12)}`);
}

/** The checkout of a git dependency when cell.lock pins it for this URL and ref and it is there. */
export function lockedCheckout(cellDir: string, name: string, url: string, ref: string): string | undefined {
  const locked = lockedGitDeps(cellDir)[name];
  if (!locked || locked.url !== url || locked.ref !== ref || typeof locked.commit !== 'string') return undefined;
  const dir = gitCheckoutDir(cellDir, name, locked.commit);
  return existsSync(join(dir, 'cell.toml')) ? dir : undefined;
}
