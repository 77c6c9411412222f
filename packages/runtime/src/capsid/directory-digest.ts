import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';

/** Directories deeper than this are refused (a build may have written anything). */
const MAX_DEPTH = 64;
const CHUNK_BYTES = 1 << 20;

export interface DigestLimits {
  /** Top-level entries left out. Default: `data`. */
  skip?: ReadonlySet<string> | undefined;
  /** The most bytes the files may hold together; more is refused (CELL_E_BUILD_FAILED). */
  maxBytes?: number | undefined;
}

/**
 * sha256 (hex) of a directory's contents: each entry's path, kind, executable bit and bytes (a
 * symlink's target, never followed), in name order; times and owners left out, so two donors that
 * built the same source to the same files get the same digest. Files are read in 1 MiB chunks
 * without blocking the event loop; a tree deeper than 64 or larger than `maxBytes` is refused.
 */
export async function directoryDigest(dir: string, limits: DigestLimits = {}): Promise<string> {
  const skip = limits.skip ?? new Set(['data']);
  const maxBytes = limits.maxBytes ?? Number.POSITIVE_INFINITY;
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let total = 0;
  const refuse = (why: string) => new CellError('CELL_E_BUILD_FAILED', `the built directory ${dir} ${why}`, { details: { dir } });
  const hashFile = async (path: string, size: number) => {
    total += size;
    if (total > maxBytes) throw refuse(`holds more than ${maxBytes} bytes`);
    const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      for (let read = 0; read < size; ) {
        const { bytesRead } = await file.read(chunk, 0, Math.min(CHUNK_BYTES, size - read), read);
        if (bytesRead === 0) break;
        hash.update(chunk.subarray(0, bytesRead));
        read += bytesRead;
      }
    } finally {
      await file.close();
    }
  };
  const walk = async (at: string, rel: string, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw refuse(`is deeper than ${MAX_DEPTH} directories`);
    for (const name of (await readdir(at)).sort()) {
      if (rel === '' && skip.has(name)) continue;
      const path = join(at, name);
      const inside = rel === '' ? name : `${rel}/${name}`;
      const stat = await lstat(path);
      if (stat.isSymbolicLink()) hash.update(`l ${inside} -> ${await readlink(path)}\n`);
      else if (stat.isDirectory()) {
        hash.update(`d ${inside}\n`);
        await walk(path, inside, depth + 1);
      } else if (stat.isFile()) {
        hash.update(`f ${inside} ${stat.mode & 0o111 ? 'x' : '-'} ${stat.size}\n`);
        await hashFile(path, stat.size);
      }
    }
  };
  await walk(dir, '', 0);
  return hash.digest('hex');
}
