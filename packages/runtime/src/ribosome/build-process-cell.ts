import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import { writeFileAtomic } from '../files/write-atomic.ts';
import type { BuildResult } from './build-cell.ts';
import { BUILD_DIR } from './build-cell.ts';

/** What a process cell's last build saw: its command and its files. */
const STAMP_FILE = join(BUILD_DIR, 'process-build.json');
/** Not the cell's sources: what Cell, npm and the cell itself write. */
const SKIPPED = new Set(['.cell', 'run', 'log', 'data', 'node_modules', '.git']);
/** Lines of output a failed build's error keeps. */
const TAIL_LINES = 30;

/** Every file of the cell (sources, not what Cell, npm or the process write) as path, size and mtime. */
function fileStates(dir: string, root = dir, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dir === root && SKIPPED.has(entry.name)) continue;
      fileStates(path, root, out);
    } else if (entry.isFile()) {
      const s = statSync(path);
      out.push(`${relative(root, path)}\t${s.size}\t${Math.floor(s.mtimeMs)}`);
    }
  }
  return out;
}

function stampOf(config: CellConfig, run: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify(run)).update('\n').update(fileStates(config.dir).join('\n')).digest('hex');
}

function readStamp(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, STAMP_FILE), 'utf8')) as { stamp?: string }).stamp;
  } catch {
    return undefined;
  }
}

/**
 * Builds a process cell with its own `[build] run` command, in its directory, when one of its
 * files (or the command) changed since the last build that passed — the same incremental rule
 * as Node cells. The command finds `CELL_BUILD_DIR` (`.cell/build/`, for its output) and the
 * cell's and the tree's `node_modules/.bin` on its PATH; each line it prints goes to `onLine`. A
 * command that fails, or outlasts `[build] timeout`, is CELL_E_BUILD_FAILED with its last lines;
 * nothing is recorded then, so the next build runs it again. A process cell without `[build]`
 * has nothing to build.
 */
export async function buildProcessCell(config: CellConfig, options: { force?: boolean; treeRoot?: string; onLine?: (line: string) => void } = {}): Promise<BuildResult> {
  const started = performance.now();
  const build = config.process?.build;
  const result = (rebuilt: boolean): BuildResult => ({ cell: config.cell.name, main: config.file, rebuilt, durationMs: performance.now() - started, warnings: [], typecheck: 'off' });
  if (!build) return result(false);
  const stamp = stampOf(config, build.run);
  if (!options.force && readStamp(config.dir) === stamp) return result(false);
  const buildDir = join(config.dir, BUILD_DIR);
  mkdirSync(buildDir, { recursive: true });
  const bins = [join(config.dir, 'node_modules', '.bin'), ...(options.treeRoot ? [join(options.treeRoot, 'node_modules', '.bin')] : [])];
  const env = { ...process.env, CELL_BUILD_DIR: buildDir, CELL_NAME: config.cell.name, PATH: [...bins, process.env['PATH'] ?? ''].join(delimiter) };
  const tail: string[] = [];
  const what = `${config.cell.name}: [build] ${build.run.join(' ')}`;
  await new Promise<void>((resolve, reject) => {
    const [file, ...args] = build.run;
    const child = spawn(file!, args, { cwd: config.dir, env, stdio: ['ignore', 'pipe', 'pipe'], timeout: build.timeoutMs, killSignal: 'SIGKILL' });
    let pending = '';
    const take = (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
        options.onLine?.(line);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (err: NodeJS.ErrnoException) => reject(new CellError('CELL_E_BUILD_FAILED', `${what}: ${err.code === 'ENOENT' ? `"${file}" was not found` : err.message}`, { details: { cell: config.cell.name } })));
    child.once('close', (code, signal) => {
      if (pending) tail.push(pending);
      if (code === 0) return resolve();
      const why = signal === 'SIGKILL' ? `took longer than ${build.timeoutMs} ms and was killed` : `exited with ${signal ?? `code ${code}`}`;
      reject(new CellError('CELL_E_BUILD_FAILED', `${what} ${why}${tail.length > 0 ? `:\n${tail.map((l) => `  ${l}`).join('\n')}` : ''}`, { details: { cell: config.cell.name, output: tail } }));
    });
  });
  // Stamped with the files as the build left them: what it wrote is not a change next time.
  writeFileAtomic(join(config.dir, STAMP_FILE), `${JSON.stringify({ stamp: stampOf(config, build.run) }, null, 2)}\n`);
  return result(true);
}
