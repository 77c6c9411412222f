import { formatProblem } from '@cell/config';
import { NO_TYPECHECK_WARNING } from './commands/build.ts';
import { color, ExitCode, reportError } from './output/cli-error.ts';

/** What every command of the `cell` program shares: output, exit codes, error reports. */
export function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** `--no-typecheck` is for emergencies: every use says so, on standard error. */
export function warnNoTypecheck(opts: { typecheck?: boolean }): void {
  if (opts.typecheck === false) process.stderr.write(`${color('yellow', 'warning', process.stderr)}: ${NO_TYPECHECK_WARNING}\n`);
}

/** Runs one command and turns its outcome into an exit code. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>, json: (args: unknown[]) => boolean = () => false, options: { declared?: boolean } = {}): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = (await fn(...args)) ?? ExitCode.OK;
    } catch (err) {
      const problems = configProblems(err);
      if (problems && !json(args)) {
        process.stderr.write(`${color('red', `error ${(err as { code: string }).code}`, process.stderr)}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in cell.toml\n`);
        for (const p of problems) process.stderr.write(`  ${formatProblem(p)}\n`);
        process.exitCode = ExitCode.USAGE;
        return;
      }
      process.exitCode = reportError(err, json(args), options);
    }
  };
}

/** The cell.toml problems an error carries (a config error's `details.problems`), or undefined for any other error. */
export function configProblems(err: unknown): Parameters<typeof formatProblem>[0][] | undefined {
  const problems = (err as { details?: { problems?: unknown } }).details?.problems;
  if (!Array.isArray(problems) || problems.length === 0) return undefined;
  return problems.every((p) => typeof p === 'object' && p !== null && typeof (p as { file?: unknown }).file === 'string' && typeof (p as { message?: unknown }).message === 'string')
    ? (problems as Parameters<typeof formatProblem>[0][])
    : undefined;
}

/** True when the command's options (its last argument before the Command) ask for JSON. */
export function jsonFlag(args: unknown[]): boolean {
  return args.some((a) => typeof a === 'object' && a !== null && (a as { json?: unknown }).json === true);
}

