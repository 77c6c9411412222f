import { renameSync, rmSync, statSync } from 'node:fs';
import { pino } from 'pino';

/** Rotated files kept beside the current one (`file.1`, `file.2`). */
export const ROTATED_FILES = 2;

type SonicBoom = ReturnType<typeof pino.destination>;

/**
 * A log file that never grows without bound and never blocks: lines go through sonic-boom
 * (pino's asynchronous destination) with a bounded buffer — a burst beyond it is dropped and
 * counted, not held in memory or waited for. When what reached the file passes a third of
 * `maxBytes`, it is renamed to `file.1` (`file.1` to `file.2`, the oldest dropped) and a new one
 * opened with sonic-boom's `reopen`: all the files of one log take about `maxBytes` (at most one
 * buffer more per file). A write that fails (a full disk, an unwritable directory) drops its
 * lines and says why in `error`: it never throws or stalls.
 */
export class RotatingFile {
  readonly path: string;
  readonly stream: SonicBoom;
  /** Why lines could not be written, last time they could not; undefined while writing works. */
  error: string | undefined;
  /** Lines dropped because the disk did not keep up with a burst. */
  dropped = 0;
  private readonly rotateBytes: number;
  /** Bytes that reached the current file. */
  private written: number;
  private closing: Promise<void> | undefined;

  constructor(path: string, maxBytes: number) {
    this.path = path;
    this.rotateBytes = Math.max(1024, Math.floor(maxBytes / (ROTATED_FILES + 1)));
    this.written = sizeOf(path);
    if (this.written >= this.rotateBytes) this.shift();
    this.stream = pino.destination({ dest: path, append: true, sync: false, mkdir: true, maxLength: Math.min(1024 * 1024, Math.floor(this.rotateBytes / 4)) });
    this.stream.on('write', (bytes: number) => {
      this.written += bytes;
    });
    this.stream.on('drop', () => {
      this.dropped++;
    });
    this.stream.on('error', (err: NodeJS.ErrnoException) => {
      this.error = `${err.code ?? 'error'}: ${err.message}`;
    });
  }

  /** Writes text (whole lines); rotates first when the file is full. */
  write(text: string): void {
    if (this.written >= this.rotateBytes) this.rotate();
    try {
      this.stream.write(text);
    } catch (err) {
      this.error = (err as Error).message; // destroyed or closed: the lines are dropped, never thrown
    }
  }

  private shift(): void {
    rmSync(`${this.path}.${ROTATED_FILES}`, { force: true });
    for (let i = ROTATED_FILES - 1; i >= 1; i--) rename(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    rename(this.path, `${this.path}.1`);
    this.written = 0;
  }

  private rotate(): void {
    try {
      this.shift();
      this.stream.reopen();
    } catch (err) {
      this.error = (err as Error).message;
    }
  }

  /** Writes what is pending and closes the file (bounded: a stuck disk does not hold the caller). */
  close(): Promise<void> {
    this.closing ??= new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      timer.unref();
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.stream.once('close', done);
      try {
        this.stream.end(); // after the file opened and every pending line was written
      } catch {
        done(); // already closed
      }
    });
    return this.closing;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function rename(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
