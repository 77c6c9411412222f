import { Command, Option } from 'commander';
import { formatProblem } from '@cell/config';
import { buildCommand } from './commands/build.ts';
import { checkCommand, formatCheck } from './commands/check.ts';
import { typesCommand } from './commands/types.ts';
import { idCommand } from './commands/id.ts';
import { callCommand } from './commands/call.ts';
import { initCommand } from './commands/init.ts';
import { logsCommand } from './commands/logs.ts';
import { mitosisCommand } from './commands/mitosis.ts';
import { reloadCommand } from './commands/reload.ts';
import { formatStatus, statusCommand } from './commands/status.ts';
import { stopCommand } from './commands/stop.ts';
import { color, ExitCode, reportError } from './output/cli-error.ts';
import { prettyPrinter } from './output/log-format.ts';

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** Runs one command and turns its outcome into an exit code. */
function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>, json: (args: unknown[]) => boolean = () => false): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      process.exitCode = (await fn(...args)) ?? ExitCode.OK;
    } catch (err) {
      const problems = (err as { details?: { problems?: Parameters<typeof formatProblem>[0][] } }).details?.problems;
      if (problems && !json(args)) {
        process.stderr.write(`${color('red', `error ${(err as { code: string }).code}`, process.stderr)}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in cell.toml\n`);
        for (const p of problems) process.stderr.write(`  ${formatProblem(p)}\n`);
        process.exitCode = ExitCode.USAGE;
        return;
      }
      process.exitCode = reportError(err, json(args));
    }
  };
}

/** True when the command's options (its last argument before the Command) ask for JSON. */
function jsonFlag(args: unknown[]): boolean {
  return args.some((a) => typeof a === 'object' && a !== null && (a as { json?: unknown }).json === true);
}

/** The `cell` command line. */
export function program(): Command {
  const cli = new Command('cell')
    .description('Run a tree of cells: typed, supervised services on one machine, later across many.')
    .version('0.1.0')
    .showHelpAfterError()
    // Commander exits 1 on a usage error (unknown command, missing argument); ours is 2, nothing done.
    .exitOverride((err) => process.exit(err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE));

  cli
    .command('init')
    .argument('<name>', 'directory (and cell name) to create')
    .description('scaffold a cell that runs at once: cell.toml, contract, handlers, a test')
    .action(
      action(
        async (name: string) => {
          const r = initCommand(name);
          const hints = r.hints.map((h) => `\nnote: ${h}`).join('');
          out(`created ${r.dir}\n  ${r.files.join('\n  ')}\n${hints}\nnext: cell mitosis ${name}   ·   test: (cd ${name} && node --test 'src/**/*.test.ts')`);
        },
      ),
    );

  cli
    .command('build')
    .argument('[dir]', 'root of the tree', '.')
    .option('--force', 'rebuild even when nothing changed')
    .description('build every cell of the tree into its .cell/ (incremental)')
    .action(
      action(
        async (dir: string, opts: { force?: boolean }) => {
          await buildCommand(dir, opts, (r) => out(`${r.rebuilt ? color('green', 'built     ') : color('gray', 'up to date')} ${r.cell} (${Math.round(r.durationMs)} ms)`));
        },
      ),
    );

  cli
    .command('id')
    .option('--json', 'the address and where the key is kept, as JSON')
    .description("this node's address: its Ed25519 public key (created on first use, kept with mode 0600)")
    .action(
      action(async (opts: { json?: boolean }) => {
        const id = await idCommand();
        out(opts.json ? JSON.stringify(id) : id.node);
      }, jsonFlag),
    );

  cli
    .command('types')
    .argument('[dir]', 'root of the tree', '.')
    .option('--offline', 'generate from cell.lock alone (nothing running, nothing fetched)')
    .description("generate every dependency's typed bindings into .cell/bindings/ and lock them in cell.lock")
    .action(
      action(async (dir: string, opts: { offline?: boolean }) => {
        for (const t of await typesCommand(dir, opts)) {
          const note = t.report?.breaking.length ? color('red', ` (${t.report.breaking.length} breaking change${t.report.breaking.length > 1 ? 's' : ''}: fix what no longer compiles)`) : '';
          out(`${t.consumer} -> ${t.dep}: ${t.genome.name}@${t.genome.version} from ${t.source}, ${t.action}${note}  ${color('gray', t.bindingsFile)}`);
        }
      }),
    );

  cli
    .command('check')
    .argument('[dir]', 'root of the tree', '.')
    .option('--json', 'the edges as JSON')
    .description("compare each dependency's new genome with what its consumers locked; exit 1 on a breaking change")
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        const edges = await checkCommand(dir);
        out(opts.json ? JSON.stringify(edges, null, 2) : formatCheck(edges));
        return edges.some((e) => e.report.breaking.length > 0) ? ExitCode.FAILED : ExitCode.OK;
      }, jsonFlag),
    );

  cli
    .command('mitosis')
    .argument('[dir]', 'root of the tree', '.')
    .option('-d, --detach', 'return once every cell is ready, leaving the tree running')
    .option('--json', 'machine output (JSON lines) even on a terminal')
    .addOption(new Option('--daemon', 'run as the background nucleus of --detach').hideHelp())
    .description('build and start the tree, supervise it until Ctrl-C (or cell stop)')
    .action(action((dir: string, opts: { detach?: boolean; json?: boolean; daemon?: boolean }) => mitosisCommand(dir, opts), jsonFlag));

  cli
    .command('status')
    .argument('[dir]', 'a cell of the running tree', '.')
    .option('--json', 'the documented JSON form (docs/status.md)')
    .description('the running tree: per replica pid, state, restarts, uptime, RSS, socket')
    .action(
      action(async (dir: string, opts: { json?: boolean }) => {
        const status = await statusCommand(dir);
        out(opts.json ? JSON.stringify(status, null, 2) : formatStatus(status));
      }, jsonFlag),
    );

  cli
    .command('stop')
    .argument('[dir]', 'a cell of the running tree', '.')
    .description('stop the running tree gracefully (or a cell started on demand)')
    .action(action(async (dir: string) => out(await stopCommand(dir))));

  cli
    .command('logs')
    .argument('[dir]', 'root of the tree', '.')
    .argument('[cell]', 'only this cell')
    .option('-f, --follow', 'keep printing new lines')
    .option('--json', 'raw JSON lines')
    .description('the merged, time-ordered logs of the tree')
    .action(
      action(async (dir: string, cell: string | undefined, opts: { follow?: boolean; json?: boolean }) => {
        const pretty = opts.json ? undefined : prettyPrinter(Boolean(process.stdout.isTTY) && !process.env['NO_COLOR']);
        await logsCommand(dir, cell, opts, (r) => out(pretty ? pretty(r) : r.raw));
      }, jsonFlag),
    );

  cli
    .command('call')
    .argument('<cell-dir>', 'the cell to call')
    .argument('<method>', 'method name')
    .argument('[json]', 'input as JSON', '{}')
    .option('--timeout <ms>', 'deadline of the call', (v) => Number(v))
    .description('call a method and print the JSON result (the typed error as JSON, exit 1, on failure)')
    .action(
      action(
        async (dir: string, method: string, json: string, opts: { timeout?: number }) => {
          const result = await callCommand(dir, method, json, { timeoutMs: opts.timeout });
          out(JSON.stringify(result ?? null, null, 2));
        },
        () => true,
      ),
    );

  cli
    .command('reload')
    .argument('[cell-dir]', 'the cell to reload', '.')
    .description('rebuild a cell and replace its replicas one by one without dropping calls')
    .action(
      action(
        async (dir: string) => {
          const r = await reloadCommand(dir);
          out(`${r.rebuilt ? 'rebuilt' : 'build unchanged'}; replaced ${r.replaced} replica${r.replaced === 1 ? '' : 's'}${r.keptMajor !== null ? `; major ${r.keptMajor} keeps running beside it for its consumers` : ''}`);
        },
      ),
    );

  return cli;
}
