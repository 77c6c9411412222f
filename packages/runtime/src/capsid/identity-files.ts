import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An `/etc/passwd` and `/etc/group` for process cells, naming only root and the sandbox user
 * (`cell`, home `/tmp`: a capsid's `HOME` is its data directory, wherever it is mounted), written once under `dir`: many programs look their user up (PostgreSQL's
 * `initdb` refuses to run without an entry) and the host's own files must stay hidden. Returns
 * them as read-only binds, `[hostPath, sandboxPath]`.
 */
export function identityFiles(dir: string, uid: number, gid: number): ReadonlyArray<readonly [string, string]> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const files = {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\ncell:x:${uid}:${gid}:cell:/tmp:/usr/sbin/nologin\n`,
    group: `root:x:0:\ncell:x:${gid}:\n`,
  };
  return Object.entries(files).map(([name, text]) => {
    const file = join(dir, name);
    writeFileSync(file, text, { mode: 0o644 });
    chmodSync(file, 0o644);
    return [file, `/etc/${name}`] as const;
  });
}
