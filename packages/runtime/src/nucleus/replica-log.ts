import { createWriteStream, existsSync, renameSync, statSync, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

const MAX_LINE_CHARS = 64 * 1024;
const ROTATE_BYTES = 64 * 1024 * 1024;

/**
 * The log file of one replica (`log/<replica>.log`): JSON lines from the SDK pass through as
 * they are; anything else the process prints (console output, crash traces) is wrapped into a
 * JSON line of the same schema, so the file is always machine-readable. Keeps the last lines in
 * memory for `lastExit.logTail`.
 */
export class ReplicaLog {
  private readonly out: WriteStream;
  private readonly lines: string[] = [];
  private readonly tailSize: number;
  private readonly base: { cell: string; replica: string };

  constructor(file: string, base: { cell: string; replica: string }, tailSize = 20) {
    if (existsSync(file) && statSync(file).size > ROTATE_BYTES) renameSync(file, `${file}.1`);
    this.out = createWriteStream(file, { flags: 'a' });
    this.out.on('error', () => undefined); // a full disk must not take the nucleus down
    this.base = base;
    this.tailSize = tailSize;
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
  note(level: 'info' | 'warn' | 'error', msg: string, extra: Record<string, unknown> = {}): void {
    this.write(JSON.stringify({ time: Date.now(), level, pid: process.pid, ...this.base, component: 'runtime.nucleus', msg, ...extra }), msg);
  }

  private line(raw: string, source: 'stdout' | 'stderr', pid: number): void {
    const text = raw.length > MAX_LINE_CHARS ? `${raw.slice(0, MAX_LINE_CHARS)}…` : raw;
    if (text.trim() === '') return;
    if (text.startsWith('{')) {
      try {
        const parsed = JSON.parse(text) as { msg?: unknown; err?: { message?: unknown } };
        const summary = typeof parsed.msg === 'string' ? parsed.msg + (parsed.err?.message ? `: ${String(parsed.err.message)}` : '') : text;
        return this.write(text, summary);
      } catch {
        // not JSON after all: wrap it below
      }
    }
    const level = source === 'stderr' ? 'error' : 'info';
    this.write(JSON.stringify({ time: Date.now(), level, pid, ...this.base, component: source, msg: text }), text);
  }

  private write(json: string, summary: string): void {
    this.out.write(`${json}\n`);
    this.lines.push(summary);
    if (this.lines.length > this.tailSize) this.lines.shift();
  }

  /** The last lines (message text), oldest first. */
  tail(): string[] {
    return [...this.lines];
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}
