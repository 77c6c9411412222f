import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { CellError } from '@cell/protocol';
import { connect, createLogger, LOG_DIR, nucleusContract, type TreeStatus } from '@cell/sdk';
import { loadCellTree } from '@cell/config';
import { Nucleus, nucleusSocketPath, runningNucleusPid } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';
import { color, ExitCode } from '../output/cli-error.ts';
import { LiveView } from '../output/live-view.ts';
import { explain, formatMs, renderTree } from '../output/tree-view.ts';

const BIN = fileURLToPath(new URL('../bin.ts', import.meta.url)); // spawned with this Node (24), no shim needed

export interface MitosisOptions {
  detach?: boolean;
  json?: boolean;
  /** Internal: run as the background nucleus of `--detach`. */
  daemon?: boolean;
  /** How long `--detach` waits for the tree (ms). */
  timeoutMs?: number;
}

/** States a cell can stay in once startup is over. */
const SETTLED = new Set(['ready', 'failed', 'idle', 'group', 'stopped']);

function unsettled(status: TreeStatus): string[] {
  return status.cells.filter((c) => !SETTLED.has(c.state)).map((c) => c.name);
}

function failures(status: TreeStatus): string[] {
  return status.cells
    .filter((c) => c.state === 'failed' || c.replicas.some((r) => r.state === 'failed'))
    .map((c) => {
      const tail = c.replicas.find((r) => r.state === 'failed')?.lastExit?.logTail ?? [];
      return `${c.name}: ${c.failure ?? 'failed'}${explain(tail).map((l) => `\n    ${l}`).join('')}`;
    });
}


/**
 * `cell mitosis <dir>`: builds and starts the tree, supervises it until Ctrl-C / SIGTERM (or
 * `cell stop`), then stops it gracefully. A second Ctrl-C kills what is left at once.
 */
export async function mitosisCommand(dirArg: string | undefined, options: MitosisOptions): Promise<number> {
  const root = cellDir(dirArg);
  if (options.detach) return detach(root, options);
  mkdirSync(join(root, LOG_DIR), { recursive: true });
  const tty = Boolean(process.stdout.isTTY) && !options.json && !options.daemon;
  const file = pino.destination({ dest: join(root, LOG_DIR, 'nucleus.log'), append: true, sync: false, mkdir: true });
  const streams = tty || options.daemon ? [{ stream: file }] : [{ stream: file }, { stream: pino.destination(1) }];
  const logger = createLogger({ destination: pino.multistream(streams) });
  let view: LiveView | undefined;
  let phase = 'starting';
  const nucleus = Nucleus.create({ root, logger, onChange: () => view?.update() });
  if (tty) {
    view = new LiveView(
      () => nucleus.status(),
      () => color('gray', phase === 'running' ? `tree running · logs: cell logs ${root} -f · Ctrl-C stops it` : `${phase}…`),
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
    if (options.daemon) process.stdout.write(`${JSON.stringify({ fatal: (err as CellError).toJSON?.() ?? { message: String(err) } })}\n`);
    file.flushSync?.();
    throw err;
  }
  phase = 'running';
  view?.update();
  const failed = failures(nucleus.status());
  if (failed.length > 0) logger.error({ component: 'cli', failed }, 'some cells failed to start; the rest keeps running');
  await nucleus.stopped;
  view?.finish();
  await new Promise<void>((resolve) => file.flush(() => resolve()));
  return signals > 1 ? 130 : ExitCode.OK;
}

/** `--detach`: starts the nucleus in the background and returns once the tree has settled. */
async function detach(root: string, options: MitosisOptions): Promise<number> {
  loadCellTree(root); // report config problems here, with every file and line, before forking
  const pid = runningNucleusPid(root);
  if (pid !== undefined) throw new CellError('CELL_E_TREE_RUNNING', `this tree is already running (nucleus pid ${pid})`, { details: { pid, root } });
  mkdirSync(join(root, LOG_DIR), { recursive: true });
  const outPath = join(root, LOG_DIR, 'nucleus.out');
  const out = openSync(outPath, 'w');
  const child = spawn(process.execPath, [BIN, 'mitosis', root, '--daemon'], { detached: true, stdio: ['ignore', out, out], cwd: root });
  closeSync(out);
  child.unref();
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  const socket = nucleusSocketPath(root);
  const control = connect(nucleusContract, { socketPath: socket, timeoutMs: 10_000 });
  try {
    while (Date.now() < deadline) {
      if (exited !== undefined) {
        const text = existsSync(outPath) ? readFileSync(outPath, 'utf8') : '';
        const fatal = /\{"fatal":(.*)\}\s*$/m.exec(text)?.[1];
        const err = fatal ? (JSON.parse(fatal) as { code?: string; message?: string }) : undefined;
        throw new CellError((err?.code as 'CELL_E_INTERNAL') ?? 'CELL_E_INTERNAL', err?.message ?? `the nucleus exited (code ${exited}); see ${outPath}`);
      }
      if (existsSync(socket)) {
        const r = await control.status.try({});
        if (r.ok && r.value.nucleus.phase === 'running' && unsettled(r.value).length === 0) {
          const status = r.value;
          const failed = failures(status);
          const print = options.json ? JSON.stringify(status) : renderTree(status, { replicas: false }).join('\n');
          process.stdout.write(`${print}\n`);
          if (failed.length > 0) {
            process.stderr.write(`${color('red', 'some cells failed to start')} (the rest keeps running; \`cell stop ${root}\` stops it):\n  ${failed.join('\n  ')}\n`);
            return ExitCode.FAILED;
          }
          if (!options.json) process.stderr.write(color('gray', `tree ready in ${formatMs(Date.now() - (deadline - (options.timeoutMs ?? 180_000)))} (nucleus pid ${child.pid}); \`cell stop ${root}\` stops it\n`));
          return ExitCode.OK;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new CellError('CELL_E_TIMEOUT', `the tree did not settle within ${formatMs(options.timeoutMs ?? 180_000)}; it is still starting in the background (cell status ${root})`);
  } finally {
    await control.$close();
  }
}
