import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** One packed package: its name, tarball and the files in it. */
export interface Packed {
  name: string;
  tarball: string;
  files: string[];
}

/** The packages a user installs: every package under packages/ not marked private. */
export function publishableDirs(): string[] {
  return readdirSync(join(REPO, 'packages'))
    .map((d) => join(REPO, 'packages', d))
    .filter((dir) => !(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { private?: boolean }).private);
}

/** PATH with this Node's directory first: npm, npx and the bins they start run on the Node running the tests. */
export function pathWithThisNode(): string {
  return `${dirname(process.execPath)}${delimiter}${process.env['PATH'] ?? ''}`;
}

/** Runs npm with `args` in `cwd`, on this Node; its output, or an error carrying npm's stderr. */
export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('npm', args, { cwd, env: { ...process.env, PATH: pathWithThisNode(), ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 64 * 2 ** 20 });
}

/** Compiles every package (incremental), then packs each publishable one into `dest`. */
export function packAll(dest: string): Packed[] {
  const dirs = publishableDirs();
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', ...dirs], { cwd: REPO, encoding: 'utf8', stdio: 'pipe', timeout: 300_000 });
  } catch (err) {
    throw new Error(`the packages do not compile:\n${(err as { stdout?: string }).stdout ?? String(err)}`, { cause: err });
  }
  // --ignore-scripts: the prepack build just ran, once for all of them.
  const out = npm(['pack', '--json', '--ignore-scripts', '--pack-destination', dest, ...dirs], REPO);
  const packed = JSON.parse(out) as { name: string; filename: string; files: { path: string }[] }[];
  return packed.map((p) => ({ name: p.name, tarball: join(dest, p.filename), files: p.files.map((f) => f.path) }));
}
