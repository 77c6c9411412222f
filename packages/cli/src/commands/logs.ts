import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { loadCellTree, type TreeNode } from '@cell/config';
import { LOG_DIR, readNucleusPointer } from '@cell/host';
import { cellDir, treeRootAround } from '../locate-tree.ts';
import { LogFile } from '../logs/log-file.ts';
import { type LogFilter, matcher } from '../logs/log-filter.ts';
import { type LogRecord, parseLogLine } from '../output/log-format.ts';
import { closestName } from '../output/suggest.ts';

export interface LogsOptions extends LogFilter {
  follow?: boolean;
  /** Only the last this many lines (of those that pass the filter) of what was written before. */
  lines?: number | undefined;
  /** Stop following after this long (tests); default forever. */
  followMs?: number;
  /** How often a follow looks for new lines. */
  pollMs?: number;
}

const NUCLEUS_LOG = 'nucleus.log';

/** A log of the tree: the file, and for the nucleus's, which of its lines belong in the output. */
interface Source {
  file: LogFile;
  /** Undefined: every line (a replica's own log). */
  accept?: (r: LogRecord) => boolean;
}

/**
 * The cells whose logs are this tree's: not one another running tree runs (a dependency outside
 * this tree's folder that another tree runs now writes that tree's lines).
 */
function ownCells(nodes: readonly TreeNode[], root: string): TreeNode[] {
  return nodes.filter((n) => {
    const runner = readNucleusPointer(n.dir);
    return !runner || runner.root === root;
  });
}

/** `log/<name>-<i>.log`, and `<name>-v<major>-<i>.log` of an old major kept beside it: the logs of a cell's own replicas. */
function isReplicaLog(file: string, cell: string): boolean {
  return file.startsWith(`${cell}-`) && /^(v\d+-)?\d+\.log$/.test(file.slice(cell.length + 1));
}

/**
 * `cell logs [dir] [cell]`: the JSON-line logs of the tree at `dir` — each cell's replicas and the
 * nucleus — merged in time order and filtered (level, since, grep), or the last `lines` of them.
 * With `follow`, keeps printing new lines as they are written: from the end, unless `since` or
 * `lines` asks for some of what came before. Each line is shown once: the nucleus writes its notes
 * about a replica (ready, exited) in the replica's log too, and they are shown from there.
 */
export async function logsCommand(dirArg: string | undefined, cell: string | undefined, options: LogsOptions, emit: (r: LogRecord) => void): Promise<void> {
  const dir = cellDir(dirArg);
  const tree = loadCellTree(dir);
  // The tree `dir` belongs to: the running one, else the one around it on disk (its nucleus's log).
  const root = readNucleusPointer(dir)?.root ?? treeRootAround(dir) ?? dir;
  const named = cell ? tree.nodes.filter((n) => n.name === cell) : tree.nodes;
  const nodes = ownCells(named, root);
  if (cell && named.length > 0 && nodes.length === 0) {
    const other = readNucleusPointer(named[0]!.dir)!.root;
    throw new CellError('CELL_E_INVALID_ARGUMENT', `cell "${cell}" is run by another tree (${other}); its logs are that tree's: cell logs ${other} ${cell}`, { details: { cell, root: other } });
  }
  if (cell && nodes.length === 0) {
    const near = closestName(cell, tree.nodes.map((n) => n.name));
    throw new CellError('CELL_E_INVALID_ARGUMENT', `no cell "${cell}" in the tree${near ? `; did you mean "${near}"?` : ''} (cells: ${tree.nodes.map((n) => n.name).join(', ')})`, {
      details: { cell, ...(near ? { suggestion: near } : {}) },
    });
  }
  // The nucleus's lines: all of them for the whole tree; for part of it, those about its cells.
  const names = new Set(nodes.map((n) => n.name));
  const whole = !cell && dir === root;
  const aboutShown = (r: LogRecord) => {
    const about = r.value['cell'];
    if (typeof r.value['replica'] === 'string' && typeof about === 'string') return false; // also in the replica's log
    return whole || (typeof about === 'string' && (names.has(about) || names.has(about.replace(/-v\d+$/, ''))));
  };
  const sources = new Map<string, Source>();
  const scan = () => {
    const nucleus = join(root, LOG_DIR, NUCLEUS_LOG);
    if (!sources.has(nucleus) && existsSync(nucleus)) sources.set(nucleus, { file: new LogFile(nucleus), accept: aboutShown });
    for (const n of nodes) {
      const logDir = join(n.dir, LOG_DIR);
      if (!existsSync(logDir)) continue;
      for (const f of readdirSync(logDir)) {
        const path = join(logDir, f);
        if (isReplicaLog(f, n.name) && !sources.has(path)) sources.set(path, { file: new LogFile(path) });
      }
    }
  };
  const shown = matcher(options);
  const parse = (s: Source, lines: string[], now: number) => lines.map((l) => parseLogLine(l, now)).filter((r) => (!s.accept || s.accept(r)) && shown(r));
  const byTime = (a: LogRecord, b: LogRecord) => a.time - b.time;

  scan();
  const fromStart = !options.follow || options.since !== undefined || options.lines !== undefined;
  if (fromStart) {
    const now = Date.now();
    const history = [...sources.values()].flatMap((s) => parse(s, [...s.file.rotatedLines(), ...s.file.read()], now)).sort(byTime);
    for (const r of options.lines === undefined ? history : history.slice(Math.max(0, history.length - options.lines))) emit(r);
  } else {
    for (const s of sources.values()) s.file.skipToEnd();
  }
  if (!options.follow) return;

  const until = options.followMs === undefined ? Infinity : Date.now() + options.followMs;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once('SIGINT', onSignal);
  try {
    while (!stop && Date.now() < until) {
      await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
      scan(); // a replica started since, or a log that was not there yet: read from its start
      const now = Date.now();
      for (const r of [...sources.values()].flatMap((s) => parse(s, s.file.read(), now)).sort(byTime)) emit(r);
    }
  } finally {
    process.off('SIGINT', onSignal);
  }
}
