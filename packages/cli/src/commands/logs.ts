import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { loadCellTree } from '@cell/config';
import { LOG_DIR } from '@cell/host';
import { cellDir } from '../locate-tree.ts';
import { type LogRecord, parseLogLine } from '../output/log-format.ts';

export interface LogsOptions {
  follow?: boolean;
  /** Stop following after this long (tests); default forever. */
  followMs?: number;
  /** Only lines at or after this time (epoch ms). */
  since?: number;
}

/** Reads files from where it left off, whole lines only. */
class Tail {
  private offset = 0;
  private partial = '';
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  read(): string[] {
    let size: number;
    try {
      size = statSync(this.path).size;
    } catch {
      return [];
    }
    if (size < this.offset) this.offset = 0; // rotated or truncated
    if (size === this.offset) return [];
    const fd = openSync(this.path, 'r');
    const buf = Buffer.alloc(size - this.offset);
    try {
      readSync(fd, buf, 0, buf.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const text = this.partial + buf.toString('utf8');
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
}

/**
 * `cell logs [dir] [cell]`: the JSON-line logs of every cell of the tree (and its nucleus),
 * merged and ordered by time; with `follow`, keeps printing new lines as they are written.
 */
export async function logsCommand(dirArg: string | undefined, cell: string | undefined, options: LogsOptions, emit: (r: LogRecord) => void): Promise<void> {
  const root = cellDir(dirArg);
  const tree = loadCellTree(root);
  const nodes = cell ? tree.nodes.filter((n) => n.name === cell) : tree.nodes;
  if (cell && nodes.length === 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `no cell "${cell}" in the tree (cells: ${tree.nodes.map((n) => n.name).join(', ')})`);
  }
  const tails = new Map<string, Tail>();
  const scan = () => {
    for (const n of nodes) {
      const dir = join(n.dir, LOG_DIR);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('.log')) continue;
        if (f === 'nucleus.log' && (cell || n !== tree.root)) continue;
        const path = join(dir, f);
        if (!tails.has(path)) tails.set(path, new Tail(path));
      }
    }
  };
  const drain = () => {
    const now = Date.now();
    const batch: LogRecord[] = [];
    for (const t of tails.values()) for (const line of t.read()) batch.push(parseLogLine(line, now));
    batch.sort((a, b) => a.time - b.time);
    for (const r of batch) if (options.since === undefined || r.time >= options.since) emit(r);
  };
  scan();
  drain();
  if (!options.follow) return;
  const until = options.followMs === undefined ? Infinity : Date.now() + options.followMs;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  try {
    while (!stop && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 200));
      scan();
      drain();
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}
