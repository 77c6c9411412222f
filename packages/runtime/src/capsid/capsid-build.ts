import { mkdirSync, realpathSync } from 'node:fs';
import { dirname } from 'node:path';
import { CellError } from '@cell/protocol';
import { MAX_TIMER_MS } from '@cell/wire';
import { bwrapArgs } from './bwrap-args.ts';
import { type CapsidContext, type CapsidResources, emptied, enforcedLimits, procsFiles } from './capsid-context.ts';
import { SANDBOX_NODE } from './capsid-probe.ts';
import { assertReachable, chownTree, findExecutable, ownedDir } from './host-paths.ts';
import { spawnSandboxed } from './sandbox-spawn.ts';

/** Where the build directory is inside a build capsid. */
const SANDBOX_BUILD_DIR = '/build';
const SANDBOX_NPM = '/opt/cell/npm';
const OUTPUT_CHARS = 64 * 1024;

/** A build in a capsid. */
export interface CapsidBuildSpec {
  /**
   * The unpacked bundle: source, `package.json`, `package-lock.json` and the tarballs the lockfile
   * names (`file:` dependencies, or an npm cache in `.cell/npm-cache`). The only writable
   * directory of the build; handed to the sandbox uid.
   */
  dir: string;
  /**
   * Where the build directory appears inside (default `/build`); with `readOnly` binding a tree
   * at a parent of it, a cell builds inside its tree (sibling cells readable, only itself writable).
   */
  workdir?: string | undefined;
  /** More host paths bound read-only, `[hostPath, sandboxPath]`, before the build directory. */
  readOnly?: ReadonlyArray<readonly [string, string]> | undefined;
  /**
   * An npm cache shared by several builds (the cells of one tree): made, given to the sandbox uid
   * and bound writable at `/npm-cache`. Default: the build directory's own `.cell/npm-cache`.
   */
  npmCache?: string | undefined;
  /** Run packages' install scripts (a trust policy's choice). Default false: `--ignore-scripts`. */
  allowScripts?: boolean | undefined;
  /** argv run in the build directory instead of `npm ci` (sandbox paths; `node` is on `PATH`). */
  command?: readonly string[] | undefined;
  /** Variables over the build's own (`PATH`, `HOME`, ...). */
  env?: Readonly<Record<string, string>> | undefined;
  /** Default: 1 GiB, 1 core, 256 tasks. */
  resources?: Partial<CapsidResources> | undefined;
  /** The build is killed and fails after this long. Default 10 minutes. */
  timeoutMs?: number | undefined;
}

/** A build that succeeded. */
export interface CapsidBuildResult {
  durationMs: number;
  /** Its stdout and stderr, interleaved (the last 64 KiB). */
  output: string;
}

/** The npm package directory of the host's `npm` (bound read-only into a build capsid), if there is one. */
function npmDir(): string | undefined {
  const npm = findExecutable('npm');
  return npm ? dirname(dirname(realpathSync(npm))) : undefined;
}

/** Where a shared npm cache (`CapsidBuildSpec.npmCache`) is inside a build capsid. */
export const SANDBOX_NPM_CACHE = '/npm-cache';

/** The npm cache a build uses, inside the capsid. */
export function npmCachePath(spec: Pick<CapsidBuildSpec, 'npmCache' | 'workdir'>): string {
  return spec.npmCache === undefined ? `${spec.workdir ?? SANDBOX_BUILD_DIR}/.cell/npm-cache` : SANDBOX_NPM_CACHE;
}

/** `npm cache add` of tarballs (sandbox paths) into the build's cache, where `npm ci --offline` finds them by integrity. */
export function npmCacheAddCommand(tarballs: readonly string[], cache: string): string[] {
  return [SANDBOX_NODE, `${SANDBOX_NPM}/bin/npm-cli.js`, 'cache', 'add', ...tarballs, '--offline', '--no-audit', '--no-fund', '--cache', cache];
}

/** `npm ci` from the bundle alone: offline, from the lockfile, no scripts unless allowed, no audit. */
export function npmCiCommand(allowScripts: boolean, cache = `${SANDBOX_BUILD_DIR}/.cell/npm-cache`): string[] {
  return [
    SANDBOX_NODE,
    `${SANDBOX_NPM}/bin/npm-cli.js`,
    'ci',
    '--offline',
    ...(allowScripts ? [] : ['--ignore-scripts']),
    '--no-audit',
    '--no-fund',
    '--fetch-retries=0',
    '--cache',
    cache,
  ];
}

/**
 * Builds a cell's dependencies in a capsid: no network at all (a namespace with only its own
 * loopback), the host's system read-only, only the build directory writable, `/tmp` private,
 * limits enforced. Fails with `CELL_E_BUILD_FAILED` (`details.errors`: the output's last lines,
 * `details.code`), e.g. when the lockfile names a package the bundle does not carry.
 */
export async function buildInCapsid(ctx: CapsidContext, spec: CapsidBuildSpec): Promise<CapsidBuildResult> {
  const started = performance.now();
  const allowScripts = spec.allowScripts ?? false;
  assertReachable(spec.dir, ctx.uid, ctx.gid, 'build directory');
  if (ctx.dropTo) chownTree(spec.dir, ctx.uid, ctx.gid);
  const workdir = spec.workdir ?? SANDBOX_BUILD_DIR;
  const readOnly: Array<readonly [string, string]> = [[ctx.nodePath, SANDBOX_NODE], ...(spec.readOnly ?? [])];
  const npm = npmDir();
  if (npm) readOnly.push([npm, SANDBOX_NPM]);
  else if (!spec.command) throw new CellError('CELL_E_CAPSID_UNAVAILABLE', "npm is not installed: a capsid builds with the host's npm", { details: { reasons: ['npm is not installed'] } });
  const writable: Array<readonly [string, string]> = [[spec.dir, workdir]];
  if (spec.npmCache !== undefined) {
    if (ctx.dropTo) ownedDir(spec.npmCache, ctx.uid, ctx.gid);
    else mkdirSync(spec.npmCache, { recursive: true });
    writable.push([spec.npmCache, SANDBOX_NPM_CACHE]);
  }
  const resources: CapsidResources = { memoryBytes: 2 ** 30, cpu: 1, pids: 256, ...spec.resources };
  const limits = enforcedLimits(ctx, 'build', resources);
  const env = { PATH: `${dirname(SANDBOX_NODE)}:/usr/bin:/bin`, HOME: '/tmp', TMPDIR: '/tmp', npm_config_update_notifier: 'false', CI: '1', ...spec.env };
  const args = bwrapArgs(
    { uid: ctx.uid, gid: ctx.gid, readOnly, writable, tmpBytes: 256 * 2 ** 20, env, cwd: workdir, command: spec.command ?? npmCiCommand(allowScripts, npmCachePath(spec)) },
    ctx.system,
  );
  const child = spawnSandboxed({ bwrap: ctx.bwrap, args, cgroupProcs: procsFiles(limits), dropTo: ctx.dropTo, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_CHARS);
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const timeoutMs = spec.timeoutMs ?? 600_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, Math.min(timeoutMs, MAX_TIMER_MS));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => {
    child.once('error', () => resolve([null, null]));
    child.once('exit', (c, s) => resolve([c, s]));
  });
  clearTimeout(timer);
  await emptied(limits);
  const oomKilled = limits.oomKilled();
  limits.release();
  const durationMs = performance.now() - started;
  if (code === 0) return { durationMs, output };
  const why = timedOut ? `timed out after ${timeoutMs} ms` : oomKilled ? 'ran out of memory' : `exited with ${signal ?? `code ${code}`}`;
  const errors = output.trim().split('\n').slice(-20);
  throw new CellError('CELL_E_BUILD_FAILED', `build in capsid ${why}:\n${errors.map((l) => `  ${l}`).join('\n')}`, {
    details: { errors, code, signal, oomKilled, timedOut },
  });
}
