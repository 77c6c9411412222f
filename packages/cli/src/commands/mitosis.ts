import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { CellError, fromWireError, toCellError } from '@cell/protocol';
import { loadCellTree } from '@cell/config';
import { LOG_DIR, nucleusContract, nucleusSocketPath, type TreeStatus } from '@cell/host';
import { connect, createLogger } from '@cell/sdk';
import { fetchGitDependencies, type GitFetch, Nucleus, reloadCell, reloadWithConsumers, RotatingFile, runningNucleusPid, TreeWatch, type TreeNetworkFactory } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';
import { formatGitFetch } from './update.ts';
import { loadNet } from '../network-package.ts';
import { color, ExitCode } from '../output/cli-error.ts';
import { LiveView } from '../output/live-view.ts';
import { explain, formatMs, renderTree } from '../output/tree-view.ts';
import { WatchReport, watchLogFields } from '../output/watch-report.ts';
import { ProgressLine } from '../output/start-progress.ts';

/** The package's command (it picks the sources in the repository, the build when installed). */
const BIN = fileURLToPath(new URL('../../bin/cell.mjs', import.meta.url));

export interface MitosisOptions {
  detach?: boolean;
  json?: boolean;
  /** Internal: run as the background nucleus of `--detach` (reports a fatal start error over IPC). */
  daemon?: boolean;
  /** How long `--detach` waits for the tree (ms). */
  timeoutMs?: number;
  /** False (`--no-typecheck`): build without type-checking, and reload so too. */
  typecheck?: boolean;
  /** Rebuild, type-check and reload the cells a saved file concerns (foreground only). */
  watch?: boolean;
}

/** The daemon's word to the `--detach` that started it. */
type DaemonMessage = { type: 'fatal'; error: unknown };

/** States a cell can stay in once startup is over. */
const SETTLED = new Set(['ready', 'failed', 'idle', 'group', 'stopped']);

function unsettled(status: TreeStatus): string[] {
  return status.cells.filter((c) => !SETTLED.has(c.state)).map((c) => c.name);
}

function failures(status: TreeStatus): string[] {
  return status.cells
    .filter((c) => c.state === 'failed' || c.replicas.some((r) => r.state === 'failed'))
    .map((c) => {
      // The failure names the cause when the nucleus found one; else the log tail says what it can.
      const exit = c.replicas.find((r) => r.state === 'failed')?.lastExit;
      const why = exit ? explain(exit).filter((l) => !c.failure?.includes(l)) : [];
      return `${c.name}: ${c.failure ?? 'failed'}${why.map((l) => `\n    ${l}`).join('')}`;
    });
}

/** Bytes the nucleus's log files take at most (nucleus.log and two rotated ones). */
const NUCLEUS_LOG_MAX_BYTES = 48_000_000;

/** The network, loaded only for a tree with `[network]` (a local tree never loads libp2p). */
const joinNetwork: TreeNetworkFactory = async (context) => (await loadNet('a tree with [network]')).joinNetwork(context);

/**
 * `cell mitosis <dir>`: builds and starts the tree, supervises it until Ctrl-C / SIGTERM (or
 * `cell stop`), then stops it gracefully. A second Ctrl-C kills what is left at once.
 */
export async function mitosisCommand(dirArg: string | undefined, options: MitosisOptions): Promise<number> {
  const root = cellDir(dirArg);
  if (options.watch && (options.detach || options.daemon)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', '--watch runs in the foreground, where its errors can be seen: drop --detach (or run `cell reload <cell>` after a change)');
  }
  if (options.detach) return detach(root, options);
  mkdirSync(join(root, LOG_DIR), { recursive: true });
  const tty = Boolean(process.stdout.isTTY) && !options.json && !options.daemon;
  // The nucleus's own log rotates like a replica's, and a full disk drops lines instead of stalling it.
  const file = new RotatingFile(join(root, LOG_DIR, 'nucleus.log'), NUCLEUS_LOG_MAX_BYTES);
  const fileStream = { write: (line: string) => file.write(line) };
  const streams = tty || options.daemon ? [{ stream: fileStream }] : [{ stream: fileStream }, { stream: pino.destination(1) }];
  const logger = createLogger({ destination: pino.multistream(streams) });
  let view: LiveView | undefined;
  let phase = 'starting';
  const watchReport = options.watch ? new WatchReport(root) : undefined;
  if (!options.daemon) logGitFetches(logger, await fetchGitDependencies(root)); // --detach fetched them before starting the daemon
  const nucleus = Nucleus.create({ root, logger, network: joinNetwork, typecheck: options.typecheck !== false, onChange: () => view?.update() });
  if (tty) {
    view = new LiveView(
      () => nucleus.status(),
      () =>
        [color('gray', phase === 'running' ? `tree running · logs: cell logs ${root} -f · Ctrl-C stops it` : `${phase}…`), ...(phase === 'running' && watchReport ? watchReport.lines() : [])].join('\n'),
    );
    view.draw();
  }
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals === 1) {
      phase = 'stopping (Ctrl-C again to kill)';
      view?.update();
      void nucleus.stop();
    } else {
      nucleus.kill();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await nucleus.start();
  } catch (err) {
    view?.finish();
    if (options.daemon) process.send?.({ type: 'fatal', error: toCellError(err).toJSON() } satisfies DaemonMessage);
    await file.close();
    throw err;
  }
  phase = 'running';
  view?.update();
  const failed = failures(nucleus.status());
  if (failed.length > 0) logger.child({ component: 'cli' }).error({ failed }, 'some cells failed to start; the rest keeps running');
  const watch = watchReport ? startWatch(root, options, watchReport, logger, () => view?.update()) : undefined;
  await nucleus.stopped;
  await watch?.close();
  view?.finish();
  await file.close();
  return signals > 1 ? 130 : ExitCode.OK;
}

/** Each git dependency fetched, in the nucleus's log; a ref that moved away from its lock as a warning. */
function logGitFetches(logger: ReturnType<typeof createLogger>, fetched: GitFetch[]): void {
  const log = logger.child({ component: 'ribosome.git' });
  for (const f of fetched) log[f.moved || f.offline ? 'warn' : 'info']({ cell: f.consumer, dep: f.dep, url: f.url, ref: f.ref, commit: f.commit, moved: f.moved ?? null }, formatGitFetch(f));
}

/** `--watch`: reloads what a save concerns, through the control socket like `cell reload`; each event logged and shown. */
function startWatch(root: string, options: MitosisOptions, report: WatchReport, logger: ReturnType<typeof createLogger>, redraw: () => void): TreeWatch {
  const log = logger.child({ component: 'watch' });
  const typecheck = options.typecheck === false ? { typecheck: false } : {};
  const watch = new TreeWatch(root, { reload: (dir) => reloadCell(dir, typecheck), reloadWithConsumers: (dir) => reloadWithConsumers(dir) }, (event) => {
    const { level, fields, msg } = watchLogFields(event);
    log[level](fields, msg);
    if (report.take(event)) redraw();
  });
  watch.start();
  log.info({ root }, 'watching for changes');
  return watch;
}

/** Starts the nucleus in the background; learns its fatal errors over IPC and its readiness from its control socket. */
function startDaemon(root: string, flags: string[]): { child: ChildProcess; fatal: () => CellError<string> | undefined; outPath: string } {
  mkdirSync(join(root, LOG_DIR), { recursive: true });
  const outPath = join(root, LOG_DIR, 'nucleus.out');
  const out = openSync(outPath, 'w');
  const child = spawn(process.execPath, [BIN, 'mitosis', root, '--daemon', ...flags], { detached: true, stdio: ['ignore', out, out, 'ipc'], cwd: root });
  closeSync(out);
  let fatal: CellError<string> | undefined;
  child.on('message', (m: DaemonMessage) => {
    if (m?.type === 'fatal') fatal = fromWireError(m.error);
  });
  return { child, fatal: () => fatal, outPath };
}

/** `--detach`: starts the nucleus in the background and returns once the tree has settled. */
async function detach(root: string, options: MitosisOptions): Promise<number> {
  for (const f of await fetchGitDependencies(root)) process.stderr.write(`${formatGitFetch(f)}\n`);
  loadCellTree(root); // report config problems here, with every file and line, before forking
  const pid = runningNucleusPid(root);
  if (pid !== undefined) throw new CellError('CELL_E_TREE_RUNNING', `this tree is already running (nucleus pid ${pid})`, { details: { pid, root } });
  const timeoutMs = options.timeoutMs ?? 180_000;
  const started = Date.now();
  const { child, fatal, outPath } = startDaemon(root, options.typecheck === false ? ['--no-typecheck'] : []);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const control = connect(nucleusContract, { socketPath: nucleusSocketPath(root), timeoutMs: 10_000, connectTimeoutMs: 1000 });
  const progress = new ProgressLine(process.stderr); // builds and type-checks can take a while: say what is happening
  try {
    while (Date.now() < started + timeoutMs) {
      if (exited !== undefined) throw fatal() ?? new CellError('CELL_E_INTERNAL', `the nucleus exited (code ${exited}) while starting; see ${outPath}`);
      const r = await control.status.try({});
      if (!options.json) progress.update(r.ok ? r.value : undefined, Date.now() - started);
      if (r.ok && r.value.nucleus.phase === 'running' && unsettled(r.value).length === 0) {
        progress.done();
        const status = r.value;
        const failed = failures(status);
        process.stdout.write(`${options.json ? JSON.stringify(status) : renderTree(status, { replicas: false }).join('\n')}\n`);
        if (failed.length > 0) {
          process.stderr.write(`${color('red', 'some cells failed to start', process.stderr)} (the rest keeps running; \`cell stop ${root}\` stops it):\n  ${failed.join('\n  ')}\n`);
          return ExitCode.FAILED;
        }
        if (!options.json) process.stderr.write(color('gray', `tree ready in ${formatMs(Date.now() - started)} (nucleus pid ${child.pid}); \`cell stop ${root}\` stops it\n`, process.stderr));
        return ExitCode.OK;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new CellError('CELL_E_TIMEOUT', `the tree did not settle within ${formatMs(timeoutMs)}; it is still starting in the background (cell status ${root})`);
  } finally {
    progress.done();
    await control.$close();
    if (child.connected) child.disconnect();
    child.unref();
  }
}
