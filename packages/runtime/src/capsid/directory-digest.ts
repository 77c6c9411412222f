import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * sha256 (hex) of a directory's contents: each entry's path, kind, executable bit and bytes (a
 * symlink's target), in name order; times and owners left out, so two donors that built the
 * same source to the same files get the same digest. `skip` names top-level entries left out.
 */
export function directoryDigest(dir: string, skip: ReadonlySet<string> = new Set(['data'])): string {
  const hash = createHash('sha256');
  const walk = (at: string, rel: string) => {
    for (const name of readdirSync(at).sort()) {
      if (rel === '' && skip.has(name)) continue;
      const path = join(at, name);
      const inside = rel === '' ? name : `${rel}/${name}`;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) hash.update(`l ${inside} -> ${readlinkSync(path)}\n`);
      else if (stat.isDirectory()) {
        hash.update(`d ${inside}\n`);
        walk(path, inside);
      } else if (stat.isFile()) {
        hash.update(`f ${inside} ${stat.mode & 0o111 ? 'x' : '-'} ${stat.size}\n`);
        hash.update(readFileSync(path));
      }
    }
  };
  walk(dir, '');
  return hash.digest('hex');
}
