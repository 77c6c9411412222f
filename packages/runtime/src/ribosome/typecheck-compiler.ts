import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { CellError } from '@cell/protocol';

/** A TypeScript compiler the ribosome can run: its version and its executable. */
export interface TypeScriptCompiler {
  version: string;
  /** The native `tsc` binary (TypeScript 7), run directly: no Node start-up per check. */
  exe: string;
}

let shipped: TypeScriptCompiler | undefined;

/**
 * The TypeScript compiler Cell ships: the `typescript` package this runtime depends on (the
 * native TypeScript 7), whatever TypeScript the project itself has — so a cell type-checks the
 * same on every machine that builds it. Its binary comes in a platform package npm installs as
 * an optional dependency; without it (an unsupported platform, or `--omit=optional`) the check
 * cannot run: CELL_E_TYPECHECK_UNAVAILABLE.
 */
export function shippedCompiler(): TypeScriptCompiler {
  if (shipped) return shipped;
  const require = createRequire(import.meta.url);
  let packageJson: string;
  try {
    packageJson = require.resolve('typescript/package.json');
  } catch (err) {
    throw unavailable('the typescript package is not installed', err);
  }
  const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
  const platformPackage = `@typescript/typescript-${process.platform}-${process.arch}`;
  let exe: string;
  try {
    exe = join(dirname(createRequire(packageJson).resolve(`${platformPackage}/package.json`)), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
  } catch (err) {
    throw unavailable(`${platformPackage} (TypeScript ${version}'s binary for this platform) is not installed`, err);
  }
  if (!existsSync(exe)) throw unavailable(`${exe} is missing`);
  shipped = { version, exe };
  return shipped;
}

function unavailable(why: string, cause?: unknown): CellError<'CELL_E_TYPECHECK_UNAVAILABLE'> {
  return new CellError(
    'CELL_E_TYPECHECK_UNAVAILABLE',
    `cannot type-check: ${why}; reinstall with optional dependencies (npm ci), or build with --no-typecheck`,
    { details: { platform: `${process.platform}-${process.arch}` }, cause },
  );
}

/** What a compiler run printed, and how it ended. */
export interface CompilerRun {
  /** Exit code: 0 clean, 1 or 2 with diagnostics; null when killed. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Standard output and error, in order (`tsc` prints its diagnostics on standard output). */
  output: string;
}

/** Runs `tsc` with `args` in `cwd`, killing it after `timeoutMs`. */
export function runCompiler(compiler: TypeScriptCompiler, args: readonly string[], options: { cwd: string; timeoutMs: number }): Promise<CompilerRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(compiler.exe, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => chunks.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new CellError('CELL_E_TYPECHECK_UNAVAILABLE', `cannot run ${compiler.exe}: ${err.message}`, { cause: err }));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}
