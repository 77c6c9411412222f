import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, sep } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import { writeFileAtomic } from '../files/write-atomic.ts';
import { runCompiler, shippedCompiler, type TypeScriptCompiler } from './typecheck-compiler.ts';
import { programConfig, programTsconfig, type ProgramConfig, type TypecheckTarget, typecheckTarget } from './typecheck-config.ts';
import { displayPath, formatDiagnostic, parseDiagnostics, type TypecheckDiagnostic } from './typecheck-diagnostics.ts';
import { configFingerprint, forgetCheck, isUpToDate, recordPassingCheck, StatCache } from './typecheck-manifest.ts';
import { readProgramFiles } from './typecheck-program-files.ts';

export interface TypecheckOptions {
  /** Where each program's tsconfig and incremental state (.tsbuildinfo) are kept. */
  stateDir: string;
  /** Check cells whose inputs did not change too. */
  force?: boolean;
  /** Compiler runs at once (default: the CPUs this process may use). */
  concurrency?: number;
  /** Default: {@link shippedCompiler}. */
  compiler?: TypeScriptCompiler;
  /** A compiler run taking longer is killed and its cells fail (default 10 min). */
  timeoutMs?: number;
}

/** One cell's verdict. */
export interface CellTypecheck {
  cell: string;
  dir: string;
  /**
   * `checked`: compiled cleanly now; `up-to-date`: nothing it depends on changed since it last
   * did; `skipped`: nothing to check (a group, or a JavaScript entry); `failed`: see diagnostics.
   */
  status: 'checked' | 'up-to-date' | 'skipped' | 'failed';
  /** What the compiler said about this cell's files (errors, when it failed). */
  diagnostics: TypecheckDiagnostic[];
  /** Why it failed when the compiler itself did not finish (killed, crashed). */
  problem?: string;
}

export interface TypecheckReport {
  /** The compiler's version. */
  compiler: string;
  cells: CellTypecheck[];
  /** Compiler runs: one per configuration among the cells that had to be checked. */
  programs: number;
  durationMs: number;
}

interface Pending {
  target: TypecheckTarget;
  program: ProgramConfig;
  fingerprint: string | undefined;
  result: CellTypecheck;
}

let runs = 0;

/**
 * Type-checks cells with the TypeScript compiler Cell ships: each cell's entry and contract
 * module and all they import — a producer's handlers against its own contract, a consumer against
 * the bindings it locked. Incremental: a cell whose inputs (every file its last passing check
 * read, its tsconfig chain, the compiler version) did not change is not checked again. The
 * others are checked together, one compiler run per configuration (they share the parsing of
 * the SDK and Node's types), runs in parallel up to the CPUs; each run keeps TypeScript's own
 * incremental state in `stateDir`.
 */
export async function typecheckCells(configs: readonly CellConfig[], options: TypecheckOptions): Promise<TypecheckReport> {
  const started = performance.now();
  const pending: Pending[] = [];
  const cells: CellTypecheck[] = [];
  const stats = new StatCache();
  let compiler: TypeScriptCompiler | undefined;
  for (const config of configs) {
    const target = typecheckTarget(config);
    const result: CellTypecheck = { cell: config.cell.name, dir: config.dir, status: 'skipped', diagnostics: [] };
    cells.push(result);
    if (!target) continue;
    compiler ??= options.compiler ?? shippedCompiler();
    const program = programConfig(target);
    const fingerprint = configFingerprint(program, compiler.version, stats);
    if (!options.force && isUpToDate(target, fingerprint, stats)) result.status = 'up-to-date';
    else pending.push({ target, program, fingerprint, result });
  }
  const groups = new Map<string, Pending[]>();
  for (const p of pending) groups.set(p.program.key, [...(groups.get(p.program.key) ?? []), p]);
  const queue = [...groups.values()];
  const lanes = Math.max(1, Math.min(options.concurrency ?? availableParallelism(), queue.length));
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      for (let group = queue.shift(); group; group = queue.shift()) await checkProgram(compiler!, group, options);
    }),
  );
  return { compiler: compiler?.version ?? '', cells, programs: groups.size, durationMs: performance.now() - started };
}

/** One compiler run over the cells of `group` (same configuration); sets each one's verdict. */
async function checkProgram(compiler: TypeScriptCompiler, group: Pending[], options: TypecheckOptions): Promise<void> {
  const { program } = group[0]!;
  mkdirSync(options.stateDir, { recursive: true });
  const buildInfo = join(options.stateDir, `${program.key}.tsbuildinfo`);
  // Each run gets its own files: two builds of one tree at once never check each other's cells.
  const own = join(options.stateDir, `${program.key}.${process.pid}.${++runs}`);
  const configFile = `${own}.json`;
  const runBuildInfo = `${own}.tsbuildinfo`;
  if (existsSync(buildInfo)) copyFileSync(buildInfo, runBuildInfo);
  writeFileAtomic(configFile, programTsconfig(program, group.flatMap((p) => p.target.roots), runBuildInfo));
  const startedAtMs = Date.now();
  try {
    // One thread: several checkers parse and check more on a busy machine than they save (see the README).
    const run = await runCompiler(compiler, ['-p', configFile, '--pretty', 'false', '--singleThreaded'], { cwd: options.stateDir, timeoutMs: options.timeoutMs ?? 600_000 });
    const diagnostics = parseDiagnostics(run.output, options.stateDir);
    if (run.code === null || (run.code !== 0 && diagnostics.length === 0)) {
      const problem = `TypeScript ${compiler.version} ${run.code === null ? `was killed (${run.signal})` : `exited with code ${run.code}`}: ${run.output.trim().slice(-2000) || 'no output'}`;
      for (const p of group) Object.assign(p.result, { status: 'failed', problem });
      for (const p of group) forgetCheck(p.target);
      return;
    }
    const files = readProgramFiles(runBuildInfo);
    const inputs = new Map(group.map((p) => [p, files?.inputsOf(p.target.roots)]));
    for (const d of diagnostics) for (const p of owners(d, group, inputs)) p.result.diagnostics.push(d);
    for (const p of group) {
      const failed = p.result.diagnostics.some((d) => d.category === 'error');
      p.result.status = failed ? 'failed' : 'checked';
      if (failed) forgetCheck(p.target);
      else recordPassingCheck(p.target, p.fingerprint, inputs.get(p), startedAtMs);
    }
    if (existsSync(runBuildInfo)) renameSync(runBuildInfo, buildInfo);
  } finally {
    rmSync(configFile, { force: true });
    rmSync(runBuildInfo, { force: true });
  }
}

/**
 * The cells a diagnostic is about: those whose check depends on its file; else the cell whose
 * directory holds the file; else (a message about the whole program) every cell of the run.
 */
function owners(d: TypecheckDiagnostic, group: Pending[], inputs: Map<Pending, Set<string> | undefined>): Pending[] {
  if (d.file === null) return group;
  const file = d.file;
  const using = group.filter((p) => inputs.get(p)?.has(file));
  if (using.length > 0) return using;
  const holders = group.filter((p) => file.startsWith(p.target.dir + sep));
  if (holders.length === 0) return group;
  const deepest = Math.max(...holders.map((p) => p.target.dir.length));
  return holders.filter((p) => p.target.dir.length === deepest);
}

/** Diagnostics printed in an error message at most (`details` has them all). */
const SHOWN = 20;

/** The error that refuses a cell that does not type-check: each message where tsc would print it. */
export function typecheckFailure(result: CellTypecheck): CellError<'CELL_E_TYPECHECK_FAILED'> {
  const errors = result.diagnostics.filter((d) => d.category === 'error');
  const lines = errors.map((d) => formatDiagnostic(d, result.dir));
  const shown = lines.slice(0, SHOWN).map((l) => `  ${l.replaceAll('\n', '\n  ')}`);
  if (lines.length > SHOWN) shown.push(`  … and ${lines.length - SHOWN} more`);
  const what = result.problem ?? `${errors.length} error${errors.length === 1 ? '' : 's'}`;
  return new CellError('CELL_E_TYPECHECK_FAILED', `${result.cell} does not type-check (${what}):\n${shown.join('\n')}`.trimEnd(), {
    details: {
      cell: result.cell,
      dir: result.dir,
      errors: lines,
      diagnostics: errors.map((d) => ({ ...d, file: d.file && displayPath(d.file, result.dir) })),
      ...(result.problem ? { problem: result.problem } : {}),
    },
  });
}
