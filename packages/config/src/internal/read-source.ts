import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';

/** The largest cell.toml read: far above any real one, small enough that a mistake costs nothing. */
export const MAX_CELL_TOML_BYTES = 1024 * 1024;

/** Why a path could not be read as a cell.toml; `notFound` when there is nothing there. */
export type ReadFailure = { notFound: boolean; message: string };

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * Reads a cell.toml as UTF-8 text: a regular file (symlinks followed) of at most
 * {@link MAX_CELL_TOML_BYTES}. Opened without blocking (a FIFO would wait for a writer), checked
 * on the open descriptor (no swap between check and read), and read no further than the cap
 * even if the file grows meanwhile: a directory, a FIFO or `/dev/zero` is an error, never a hang.
 */
export function readSource(file: string): { source: string } | ReadFailure {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { notFound: true, message: 'no cell.toml here' };
    return { notFound: false, message: `cannot read cell.toml (${code ?? (err as Error).message})` };
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return { notFound: false, message: `cell.toml is ${kindOf(stat)}; it must be a regular file` };
    const tooLarge = { notFound: false, message: `cell.toml is larger than ${MAX_CELL_TOML_BYTES / 1024 / 1024} MiB (the most read)` };
    if (stat.size > MAX_CELL_TOML_BYTES) return tooLarge;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      total += n;
      if (total > MAX_CELL_TOML_BYTES) return tooLarge; // it grew since fstat
      chunks.push(chunk.subarray(0, n));
    }
    try {
      return { source: new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)) };
    } catch {
      return { notFound: false, message: 'cell.toml is not valid UTF-8 text' };
    }
  } catch (err) {
    return { notFound: false, message: `cannot read cell.toml (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  } finally {
    closeSync(fd);
  }
}
