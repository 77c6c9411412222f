import { existsSync, readFileSync } from 'node:fs';
import writeFileAtomicModule from 'write-file-atomic';

/**
 * Writes a file so that concurrent readers see the old content or the new, never a torn one
 * (several `cell call`s may build the same cell at once), through write-file-atomic (temp file,
 * rename). Skips the write when nothing changed, so mtimes stay put for incremental builds. No
 * fsync: what is written here (builds, pointers) is rebuilt or rewritten after a crash, and an
 * fsync per file made a cold build of 50 cells 20% slower.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode?: number): void {
  if (existsSync(path) && Buffer.from(content).equals(readFileSync(path))) return;
  writeFileAtomicModule.sync(path, typeof content === 'string' ? content : Buffer.from(content), mode === undefined ? { fsync: false } : { mode, fsync: false });
}
