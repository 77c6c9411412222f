import Type from 'typebox';
import type { DepSpec, RemoteDepSpec } from '../cell-config.ts';
import { axonUrlProblem } from './addresses.ts';
import type { BuildContext } from './build-context.ts';
import { KEBAB_NAME } from './cell-schema.ts';
import { cellDirectory } from './cell-paths.ts';
import { lockedCheckout, parseGitDependency } from './git-dep.ts';
import { nodeKeys, table, wholeNumber } from './schema-kit.ts';

const PATH = 'a path to a cell directory';

function depStringProblem(value: string): string | undefined {
  if (value.startsWith('axon://')) return axonUrlProblem(value);
  return value === '' ? `expected ${PATH} or an axon:// address, got ""` : undefined;
}

const AXON = Type.Refine(Type.String({ expected: 'an axon:// address' }), (v) => axonUrlProblem(v) === undefined, (v) => axonUrlProblem(v)!);

/** One `[deps]` entry: `"../payments"`, `"axon://..."`, `{ path, replicas }` or `{ axon, major }`. */
const DepEntry = Type.Union(
  [
    Type.Refine(Type.String(), (v) => depStringProblem(v) === undefined, (v) => depStringProblem(v)!),
    table(
      {
        path: Type.Optional(Type.String({ minLength: 1, expected: PATH })),
        replicas: Type.Optional(wholeNumber(1, 1000)),
        axon: Type.Optional(AXON),
        major: Type.Optional(wholeNumber(1, 1000)),
        git: Type.Optional(Type.String({ minLength: 1, expected: 'a git URL' })),
        ref: Type.Optional(Type.String({ minLength: 1, expected: 'a tag, a branch or a commit' })),
        trust: Type.Optional(nodeKeys(false)),
      },
      { expected: 'a table like { path = "../x", replicas = 2 } or { major = 1 }' },
    ),
  ],
  { expected: 'a path, an axon:// address, or a table like { path = "../x" } or { major = 1 }' },
);

/** `[deps]`: what the cell calls, by the name its code uses. */
export const DepsTable = Type.Record(Type.String(), DepEntry, {
  default: {},
  expected: 'a table',
  propertyNames: { pattern: KEBAB_NAME, message: () => 'dependency names must be kebab-case (a-z, 0-9, -; starting with a letter)' },
});

/** A git dependency, with the checkout cell.lock pins when it is there (`cell build` fetches it otherwise). */
function addGit(ctx: BuildContext, deps: Record<string, DepSpec>, name: string, value: string, replicas: number | undefined, at: (string | number)[]): void {
  const parsed = parseGitDependency(value);
  if ('problem' in parsed) return ctx.add(at, parsed.problem);
  deps[name] = { kind: 'git', url: parsed.url, ref: parsed.ref, dir: lockedCheckout(ctx.dir, name, parsed.url, parsed.ref), replicas };
}

/** `[deps]` split into path dependencies (directories checked) and dependencies served by other nodes. */
export function buildDeps(ctx: BuildContext): { deps: Record<string, DepSpec>; remoteDeps: Record<string, RemoteDepSpec> } | undefined {
  const deps: Record<string, DepSpec> = {};
  const remoteDeps: Record<string, RemoteDepSpec> = {};
  const all = ctx.raw(['deps']);
  for (const name of typeof all === 'object' && all !== null ? Object.keys(all) : []) {
    const path = ['deps', name];
    const entry = ctx.decoded(path, DepEntry);
    if (entry === undefined) continue;
    if (typeof entry === 'string') {
      if (entry.startsWith('axon://')) remoteDeps[name] = { name, axon: entry, major: undefined, trust: [] };
      else if (entry.startsWith('git+')) addGit(ctx, deps, name, entry, undefined, path);
      else if (entry.endsWith('.git')) ctx.add(path, `a git dependency is written "git+${entry}#<ref>" (a tag, a branch or a commit)`);
      else {
        const dir = cellDirectory(ctx, path, entry);
        if (dir) deps[name] = { kind: 'path', dir, replicas: undefined };
      }
      continue;
    }
    if (entry.git !== undefined) {
      if (entry.axon !== undefined || entry.path !== undefined || entry.major !== undefined || entry.trust !== undefined) ctx.add(path, 'a git dependency has git, ref and replicas only');
      else addGit(ctx, deps, name, entry.ref === undefined ? entry.git : `${entry.git}#${entry.ref}`, entry.replicas, [...path, 'git']);
    } else if (entry.ref !== undefined) {
      ctx.add([...path, 'ref'], 'ref applies to git dependencies only');
    } else if (entry.path !== undefined) {
      if (entry.axon !== undefined) ctx.add([...path, 'axon'], 'a dependency is either at a path or on another node (axon), not both');
      if (entry.trust !== undefined) ctx.add([...path, 'trust'], 'trust applies to dependencies on other nodes only');
      if (entry.major !== undefined) ctx.add([...path, 'major'], 'major applies to dependencies on other nodes only');
      const dir = cellDirectory(ctx, [...path, 'path'], entry.path);
      if (dir) deps[name] = { kind: 'path', dir, replicas: entry.replicas };
    } else {
      // Served by other nodes: at a static address, or found by name (this key) on the network.
      if (entry.replicas !== undefined) ctx.add([...path, 'replicas'], 'replicas apply to path dependencies only');
      remoteDeps[name] = { name, axon: entry.axon, major: entry.major, trust: entry.trust ?? [] };
    }
  }
  return ctx.isClean(['deps']) ? { deps, remoteDeps } : undefined;
}
