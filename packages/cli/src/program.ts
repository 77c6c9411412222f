import { readFileSync } from 'node:fs';
import { CellError, newTraceId } from '@cell/protocol';
import { Argument, Command, InvalidArgumentError, Option } from 'commander';
import { buildCommand, formatTypecheck } from './commands/build.ts';
import { checkCommand, formatCheck } from './commands/check.ts';
import { typesCommand } from './commands/types.ts';
import { formatGitFetch, updateCommand } from './commands/update.ts';
import { fetchGitDependencies } from '@cell/runtime';
import { idCommand } from './commands/id.ts';
import { callCommand } from './commands/call.ts';
import { initCommand } from './commands/init.ts';
import { logsCommand } from './commands/logs.ts';
import { mitosisCommand } from './commands/mitosis.ts';
import { formatConsumersReload, formatReload, reloadCommand } from './commands/reload.ts';
import { restartCommand } from './commands/restart.ts';
import { describeCommand } from './commands/describe.ts';
import { completionCommand, SHELLS } from './commands/completion.ts';
import { formatStatus, statusCommand } from './commands/status.ts';
import { topCommand } from './commands/top.ts';
import { traceCommand } from './commands/trace.ts';
import { dashboardCommand } from './commands/dashboard.ts';
import { renderTrace, renderTraceList } from './output/trace-view.ts';
import { TOP_SORTS, type TopSort } from './output/top-view.ts';
import { stopCommand } from './commands/stop.ts';
import { color, ExitCode } from './output/cli-error.ts';
import { prettyPrinter } from './output/log-format.ts';
import { LOG_LEVELS, type LogLevel, parseGrep, parseSince } from './logs/log-filter.ts';
import { formatDescription } from './output/genome-view.ts';
import { action, jsonFlag, out, warnNoTypecheck } from './command-kit.ts';
import { registerNetworkCommands } from './network-commands.ts';

/** `-n`: a whole number of lines. */
function lineCount(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number of lines');
  return Number(value);
}

/** This package's version, as installed. */
function cliVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The `cell` command line. */
export function program(): Command {
  const cli = new Command('cell')
    .description('Run a tree of cells: typed, supervised services on one machine, later across many.')
    .version(cliVersion())
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
    .option('--force', 'rebuild (and type-check) even when nothing changed')
    .option('--no-typecheck', 'emergencies only: skip the type-check (a cell that does not compile can start; warns on every use)')
    .description('type-check and build every cell of the tree into its .cell/ (incremental)')
    .action(
      action(
        async (dir: string, opts: { force?: boolean; typecheck?: boolean }) => {
          warnNoTypecheck(opts);
          for (const f of await fetchGitDependencies(dir)) out(formatGitFetch(f));
          const built = await buildCommand(dir, opts, (r) => out(`${r.rebuilt ? color('green', 'built     ') : color('gray', 'up to date')} ${r.cell} (${Math.round(r.durationMs)} ms)`));
          if (built.typecheck) out(color('gray', formatTypecheck(built.typecheck)));
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

  registerNetworkCommands(cli);

  cli
    .command('types')
    .argument('[dir]', 'root of the tree', '.')
    .option('--offline', 'generate from cell.lock alone (nothing running, nothing fetched)')
    .option('--from-source', "take each local dependency's genome from its source (its contract module), even while an older one runs")
    .description("generate every dependency's typed bindings into .cell/bindings/ and lock them in cell.lock")
    .action(
      action(async (dir: string, opts: { offline?: boolean; fromSource?: boolean }) => {
        for (const f of await fetchGitDependencies(dir, { offline: opts.offline })) out(formatGitFetch(f));
        for (const t of await typesCommand(dir, opts)) {
          const note = t.report?.breaking.length ? color('red', ` (${t.report.breaking.length} breaking change${t.report.breaking.length > 1 ? 's' : ''}: fix what no longer compiles)`) : '';
          out(`${t.consumer} -> ${t.dep}: ${t.genome.name}@${t.genome.version} from ${t.source}, ${t.action}${note}  ${color('gray', t.bindingsFile)}`);
        }
      }),
    );

  cli
    .command('update')
    .argument('[dir]', 'root of the tree', '.')
    .argument('<deps...>', 'git dependencies (their [deps] names) whose lock moves to what their ref names now')
    .description("move git dependencies' locks to the commits their refs name now (a moved tag, an advanced branch), fetching them")
    .action(
      action(async (dir: string, deps: string[]) => {
        for (const f of await updateCommand(dir, deps)) out(formatGitFetch(f));
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
    .option('--no-typecheck', 'emergencies only: skip the type-check (a cell that does not compile can start; warns on every use)')
    .option('-w, --watch', 'on save, rebuild, type-check and reload the changed cells (and consumers of a changed contract); no call dropped')
    .addOption(new Option('--daemon', 'run as the background nucleus of --detach').hideHelp())
    .description('build (type-checked) and start the tree, supervise it until Ctrl-C (or cell stop)')
    .action(
      action((dir: string, opts: { detach?: boolean; json?: boolean; daemon?: boolean; typecheck?: boolean; watch?: boolean }) => {
        warnNoTypecheck(opts);
        return mitosisCommand(dir, opts);
      }, jsonFlag),
    );

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
    .command('top')
    .argument('[dir]', 'a cell of the running tree', '.')
    .option('--interval <ms>', 'refresh period', '1000')
    .option('--sort <by>', `first sort: ${Object.values(TOP_SORTS).join(', ')}`, 'cpu')
    .description('a live view of the running tree: per replica state, CPU, memory, restarts, uptime (keys: c m r u n sort, q quits)')
    .action(
      action((dir: string, opts: { interval: string; sort: string }) => {
        const intervalMs = Number(opts.interval);
        if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new CellError('CELL_E_INVALID_ARGUMENT', `--interval must be a whole number of milliseconds, at least 100; got ${JSON.stringify(opts.interval)}`);
        if (!(Object.values(TOP_SORTS) as string[]).includes(opts.sort)) throw new CellError('CELL_E_INVALID_ARGUMENT', `--sort must be one of ${Object.values(TOP_SORTS).join(', ')}; got ${JSON.stringify(opts.sort)}`);
        return topCommand(dir, { intervalMs, sort: opts.sort as TopSort });
      }),
    );

  cli
    .command('dashboard')
    .argument('[dir]', 'a cell of the running tree (default: the current directory)')
    .description("print the URL of the running tree's web dashboard: the tree, calls graph, traces, live logs and an API explorer (docs/dashboard.md)")
    .action(action(async (dir: string | undefined) => out(await dashboardCommand(dir))));

  cli
    .command('trace')
    .argument('[trace-id]', 'a trace id as logs and `cell call --trace` show it (or its first 4+ hex characters); none: the newest traces')
    .argument('[dir]', 'a cell of the running tree (default: the current directory)')
    .option('--limit <n>', 'how many of the newest traces to list', (v) => Number(v), 20)
    .option('--json', 'the spans themselves, as JSON (docs/traces.md)')
    .description('the calls of one request across the cells of the running tree, as a tree with durations and outcomes; or the newest requests')
    .action(
      action(async (first: string | undefined, second: string | undefined, opts: { limit: number; json?: boolean }) => {
        if (!Number.isInteger(opts.limit) || opts.limit < 1) throw new CellError('CELL_E_INVALID_ARGUMENT', `--limit must be a positive whole number, got ${String(opts.limit)}`);
        const result = await traceCommand(first, second, opts);
        for (const r of result.unanswered) process.stderr.write(`${color('yellow', 'warning', process.stderr)}: replica ${r} did not answer in time; its spans are missing\n`);
        if (opts.json) return out(JSON.stringify({ spans: result.spans, unanswered: result.unanswered }, null, 2));
        out((result.asked === undefined ? renderTraceList(result.traces) : renderTrace(result.traces[0]!)).join('\n'));
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
    .option('-f, --follow', 'keep printing new lines (from now on, unless --since or -n)')
    .addOption(new Option('--level <level>', 'only lines at this level or above').choices(LOG_LEVELS))
    .option('--since <when>', 'only lines since a duration ago (30s, 5m, 1h30m, 2d) or a time (2026-03-01T14:00:00Z)')
    .option('--grep <regex>', 'only lines with a value (message, cell, method, error...) matching this regular expression')
    .option('-n, --lines <n>', 'only the last n lines (of those that pass the filters)', lineCount)
    .option('--json', 'raw JSON lines')
    .description('the merged, time-ordered logs of the tree')
    .action(
      action(async (dir: string, cell: string | undefined, opts: { follow?: boolean; json?: boolean; level?: LogLevel; since?: string; grep?: string; lines?: number }) => {
        const pretty = opts.json ? undefined : prettyPrinter(Boolean(process.stdout.isTTY) && !process.env['NO_COLOR']);
        const filters = { level: opts.level, since: opts.since === undefined ? undefined : parseSince(opts.since, Date.now()), grep: opts.grep === undefined ? undefined : parseGrep(opts.grep) };
        await logsCommand(dir, cell, { ...filters, follow: opts.follow, lines: opts.lines }, (r) => out(pretty ? pretty(r) : r.raw));
      }, jsonFlag),
    );

  cli
    .command('call')
    .argument('<cell>', 'the cell to call: its directory, or its name in the tree around the current directory')
    .argument('<method>', 'method name')
    .argument('[json]', 'input as JSON', '{}')
    .option('--timeout <ms>', 'deadline of the call', (v) => Number(v))
    .option('--trace', 'print the call\'s trace id on stderr, to see it across the tree with `cell trace <id>`')
    .description('call a method and print the JSON result (the typed error as JSON, exit 1, on failure)')
    .action(
      action(
        async (dir: string, method: string, json: string, opts: { timeout?: number; trace?: boolean }) => {
          const warn = (w: { message: string }) => process.stderr.write(`${color('yellow', 'warning', process.stderr)}: ${w.message}\n`);
          const trace = opts.trace ? newTraceId().toString('hex') : undefined;
          try {
            out(JSON.stringify((await callCommand(dir, method, json, { timeoutMs: opts.timeout, warn, trace })) ?? null, null, 2));
          } finally {
            if (trace !== undefined) process.stderr.write(`trace ${trace} (cell trace ${trace})\n`);
          }
        },
        () => true,
        { declared: true }, // the called cell's own typed errors, as its contract declares them
      ),
    );

  cli
    .command('reload')
    .argument('[cell-dir]', 'the cell to reload', '.')
    .option('--with-consumers', "also move the cells that depend on it onto its new genome: regenerate their bindings from its source, build them (refused, nothing reloaded, if one no longer compiles), reload it, then them")
    .option('--no-typecheck', 'emergencies only: skip the type-check (a cell that does not compile can start; warns on every use)')
    .description('rebuild (type-checked) a cell and replace its replicas one by one without dropping calls')
    .action(
      action(async (dir: string, opts: { withConsumers?: boolean; typecheck?: boolean }) => {
        if (opts.withConsumers && opts.typecheck === false) {
          // Its whole point is proving the consumers still compile: skipping that would silently change what it does.
          throw new CellError('CELL_E_INVALID_ARGUMENT', '--with-consumers reloads only what type-checks against the new contract; it cannot run with --no-typecheck (reload the cells one by one for that)');
        }
        warnNoTypecheck(opts);
        out(opts.withConsumers ? formatConsumersReload(await reloadCommand(dir, { withConsumers: true })) : formatReload(await reloadCommand(dir, { typecheck: opts.typecheck })));
      }),
    );

  cli
    .command('restart')
    .argument('<cell>', 'the cell to restart: its directory, or its name in the tree around the current directory')
    .description('replace the replicas of a running cell one by one with new processes of the same build, without dropping calls')
    .action(
      action(async (cell: string) => {
        const r = await restartCommand(cell);
        out(`restarted ${cell}: replaced ${r.replaced} replica${r.replaced === 1 ? '' : 's'}`);
      }),
    );

  cli
    .command('describe')
    .argument('<cell>', 'the cell: its directory, or its name in the tree around the current directory')
    .option('--json', 'the description as JSON (the genome as it is)')
    .description("a cell's methods with their input, output and error types, events, version, fingerprint and replicas")
    .action(
      action(async (cell: string, opts: { json?: boolean }) => {
        const d = await describeCommand(cell);
        out(opts.json ? JSON.stringify(d, null, 2) : formatDescription(d, process.stdout.columns || 100));
      }, jsonFlag),
    );

  cli
    .command('completion')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS))
    .description('print a completion script for bash, zsh or fish (commands, options, cell names); e.g. source <(cell completion bash)')
    .action(action(async (shell: string) => void process.stdout.write(completionCommand(shell, cli))));

  return cli;
}
