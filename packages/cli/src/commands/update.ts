import { CellError } from '@cell/protocol';
import { fetchGitDependencies, type GitFetch } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';

/** One line per git dependency fetched: where it is pinned, and whether its ref moved since. */
export function formatGitFetch(f: GitFetch): string {
  const at = `${f.consumer} -> ${f.dep}: ${f.url}#${f.ref} at ${f.commit.slice(0, 12)}`;
  const how = f.action === 'locked' ? 'locked' : f.action === 'updated' ? 'lock moved' : 'fetched and locked';
  const moved = f.moved ? `; ${f.ref} now names ${f.moved.slice(0, 12)} — still using the locked commit (cell update ${f.dep} moves it)` : '';
  const offline = f.offline ? ` (from the cache: ${f.offline})` : '';
  return `${at} (${how}${offline})${moved}`;
}

/**
 * `cell update [dir] <dep...>`: moves each named git dependency's lock to the commit its ref names
 * now (a tag that moved, a branch that advanced), fetching it; every other dependency stays at
 * its locked commit.
 */
export async function updateCommand(dirArg: string | undefined, deps: readonly string[]): Promise<GitFetch[]> {
  const fetched = await fetchGitDependencies(cellDir(dirArg), { update: deps });
  const unknown = deps.filter((d) => !fetched.some((f) => f.dep === d));
  if (unknown.length > 0) {
    const known = [...new Set(fetched.map((f) => f.dep))];
    throw new CellError('CELL_E_INVALID_ARGUMENT', `no git dependency named ${unknown.join(', ')} in this tree${known.length > 0 ? ` (its git dependencies: ${known.join(', ')})` : ' (it has none)'}`);
  }
  return fetched;
}
