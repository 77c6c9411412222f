import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** Rotated files the runtime keeps beside a log (`x.log.1`, `x.log.2`; RotatingFile in @cell/runtime). */
const ROTATED_FILES = 2;

function stat(path: string): { ino: number; size: number } | undefined {
  try {
    const s = statSync(path);
    return { ino: s.ino, size: s.size };
  } catch {
    return undefined;
  }
}

function readBytes(path: string, from: number, to: number): string {
  if (to <= from) return '';
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(to - from);
    const n = readSync(fd, buf, 0, buf.length, from);
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
}

/**
 * One log (`log/<replica>.log`) read as it grows, whole lines only, each line once: the file is
 * followed by its inode, so when the runtime rotates it (renames it to `.1`, opens a new one) the
 * rest of the renamed file is read before the new one, and nothing is read twice or skipped.
 */
export class LogFile {
  readonly path: string;
  private ino: number | undefined;
  private offset = 0;
  private partial = '';

  constructor(path: string) {
    this.path = path;
  }

  /** The lines of the rotated files, oldest first (what came before the current file). */
  rotatedLines(): string[] {
    const lines: string[] = [];
    for (let i = ROTATED_FILES; i >= 1; i--) {
      const s = stat(`${this.path}.${i}`);
      if (s) lines.push(...split(readBytes(`${this.path}.${i}`, 0, s.size)));
    }
    return lines;
  }

  /** Starts after what the file holds now: `read` gives only lines written from here on. */
  skipToEnd(): void {
    const s = stat(this.path);
    this.ino = s?.ino;
    this.offset = s?.size ?? 0;
    this.partial = '';
  }

  /** Lines written since the last read (the first read: the whole file). */
  read(): string[] {
    const lines: string[] = [];
    const now = stat(this.path);
    if (this.ino !== undefined && now?.ino !== this.ino) {
      // Rotated: the file read so far is now `.1` (or `.2` after two rotations); finish it, then
      // read whole any file rotated after it.
      for (let i = 1; i <= ROTATED_FILES; i++) {
        const old = stat(`${this.path}.${i}`);
        if (old?.ino !== this.ino) continue;
        lines.push(...this.take(`${this.path}.${i}`, old.size));
        if (this.partial.trim() !== '') lines.push(this.partial); // the writer's last line, complete as it will ever be
        for (let j = i - 1; j >= 1; j--) lines.push(...split(readBytes(`${this.path}.${j}`, 0, stat(`${this.path}.${j}`)?.size ?? 0)));
        break;
      }
      this.offset = 0;
      this.partial = '';
    }
    this.ino = now?.ino;
    if (!now) return lines;
    if (now.size < this.offset) {
      this.offset = 0; // truncated in place
      this.partial = '';
    }
    lines.push(...this.take(this.path, now.size));
    return lines;
  }

  private take(path: string, size: number): string[] {
    const text = this.partial + readBytes(path, this.offset, size);
    this.offset = Math.max(this.offset, size);
    const lines = text.split('\n');
    this.partial = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
}

function split(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '');
}
