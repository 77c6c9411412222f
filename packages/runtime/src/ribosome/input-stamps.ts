import { statSync } from 'node:fs';

/** What a build read: input file (absolute) -> [mtimeMs, size]. */
export type InputStamps = Record<string, [number, number]>;

/** The stamps of `files` as they are now; a file that cannot be read (a virtual module) is left out. */
export function stampInputs(files: Iterable<string>): InputStamps {
  const stamps: InputStamps = {};
  for (const file of files) {
    try {
      const s = statSync(file);
      stamps[file] = [s.mtimeMs, s.size];
    } catch {
      // nothing on disk to watch
    }
  }
  return stamps;
}

/** True while every input still has the mtime and size it had when it was read. */
export function inputsUnchanged(stamps: InputStamps): boolean {
  for (const [file, [mtimeMs, size]] of Object.entries(stamps)) {
    try {
      const s = statSync(file);
      if (s.mtimeMs !== mtimeMs || s.size !== size) return false;
    } catch {
      return false;
    }
  }
  return true;
}
