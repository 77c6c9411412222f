import type { Readable } from 'node:stream';
import { type DestinationStream, type Level, pino, type Logger as Pino } from 'pino';
import { RotatingFile } from '../logs/rotating-file.ts';
import type { LogFeed } from '../observe/log-feed.ts';

const MAX_LINE_CHARS = 64 * 1024;
/** Default bound of one replica's log files (`[resources] logs`). */
const DEFAULT_MAX_BYTES = 48_000_000;

/** The one line format of Cell logs (docs/logging.md), with every key given per line; every line the process wrote is kept, whatever its level. */
function lineLogger(dest: DestinationStream): Pino {
  return pino({ level: 'trace', base: null, messageKey: 'msg', errorKey: 'err', formatters: { level: (label) => ({ level: label }) } }, dest);
}

/** A level word in capitals near the start of a plain line (`LOG:`, `WARNING:root:`, `[ERROR]`, `INFO  started`) or `level=warn`, as servers write them. */
const LEVEL_WORD = /^.{0,60}?(?:\b(PANIC|FATAL|CRITICAL|ERROR|WARNING|WARN|NOTICE|INFO|LOG|DEBUG|TRACE)(?=[:\]|]| {1,2}\S)|\blevel=(panic|fatal|error|warn|warning|info|debug|trace)\b)/;
const LEVELS: Record<string, Level> = { panic: 'fatal', fatal: 'fatal', critical: 'fatal', error: 'error', warning: 'warn', warn: 'warn', notice: 'info', info: 'info', log: 'info', debug: 'debug', trace: 'trace' };

/**
 * The level a plain line names, if it names one: a process cell's server (PostgreSQL writes
 * everything to stderr, `LOG:` included) is not in error for every line it writes.
 */
export function levelOf(line: string): Level | undefined {
  const match = LEVEL_WORD.exec(line);
  const word = match?.[1] ?? match?.[2];
  return word === undefined ? undefined : LEVELS[word.toLowerCase()];
}

/**
 * The log file of one replica (`log/<replica>.log`): JSON lines from the SDK pass through as
 * they are; anything else the process prints (console output, crash traces) becomes a JSON line
 * of the same schema, written through pino like the nucleus's own notes about the replica. Keeps
 * the last lines in memory for `lastExit.logTail`.
 */
export class ReplicaLog {
  private readonly file: RotatingFile;
  /** The tree's live view of its logs, when something watches them (the dashboard). */
  private readonly feed: LogFeed | undefined;
  private readonly log: Pino;
  private readonly lines: string[] = [];
  private readonly tailSize: number;
  private readonly base: { cell: string; replica: string };

  constructor(file: string, base: { cell: string; replica: string }, options: { maxBytes?: number; tailSize?: number; feed?: LogFeed | undefined } = {}) {
    this.file = new RotatingFile(file, options.maxBytes ?? DEFAULT_MAX_BYTES);
    this.feed = options.feed;
    // pino writes each line to the file through this destination (rotation included).
    const dest: DestinationStream = { write: (line: string) => this.write(line) };
    this.log = lineLogger(dest);
    this.base = base;
    this.tailSize = options.tailSize ?? 40; // a crash's stack and error properties, with its message above them
  }

  /** Why lines could not be written (a full disk, an unwritable log/), if they could not. */
  get error(): string | undefined {
    return this.file.error ?? (this.file.dropped > 0 ? `${this.file.dropped} lines dropped: the disk did not keep up` : undefined);
  }

  /** Reads lines from a process stream until it ends. */
  attach(stream: Readable, source: 'stdout' | 'stderr', pid: number): void {
    let pending = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        this.line(pending.slice(0, nl), source, pid);
        pending = pending.slice(nl + 1);
      }
      if (pending.length > MAX_LINE_CHARS) {
        this.line(pending, source, pid);
        pending = '';
      }
    });
    stream.on('end', () => {
      if (pending) this.line(pending, source, pid);
    });
  }

  /** Writes a line of the nucleus's own about this replica. */
  note(level: Extract<Level, 'info' | 'warn' | 'error'>, msg: string, extra: Record<string, unknown> = {}): void {
    this.log[level]({ pid: process.pid, ...this.base, component: 'runtime.nucleus', ...extra }, msg);
    this.remember(msg);
  }

  private line(raw: string, source: 'stdout' | 'stderr', pid: number): void {
    const text = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw;
    if (text.trim() === '') return;
    if (text.startsWith('{')) {
      try {
        const parsed = JSON.parse(text) as { msg?: unknown; err?: { message?: unknown } };
        this.write(`${text}\n`); // already a line of the schema (the SDK's logger)
        return this.remember(typeof parsed.msg === 'string' ? parsed.msg + (parsed.err?.message ? `: ${String(parsed.err.message)}` : '') : text);
      } catch {
        // not JSON after all: wrap it below
      }
    }
    this.log[levelOf(text) ?? (source === 'stderr' ? 'error' : 'info')]({ pid, ...this.base, component: source }, text);
    this.remember(text);
  }

  private write(line: string): void {
    this.file.write(line);
    this.feed?.push(line);
  }

  private remember(summary: string): void {
    this.lines.push(summary);
    if (this.lines.length > this.tailSize) this.lines.shift();
  }

  /** The last lines (message text), oldest first. */
  tail(): string[] {
    return [...this.lines];
  }

  /**
   * Writes out every line and closes the file; resolves once it is closed (bounded: a stuck disk
   * does not hold the caller). Lines are written asynchronously, so this is what makes them be on
   * disk — a nucleus about to exit waits for it.
   */
  close(): Promise<void> {
    return this.file.close();
  }
}
