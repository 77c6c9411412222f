import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * Writes a file so that concurrent readers see the old content or the new, never a torn one
 * (several `cell call`s may build the same cell at once). Skips the write when nothing changed.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  if (existsSync(path) && Buffer.from(content).equals(readFileSync(path))) return;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}
