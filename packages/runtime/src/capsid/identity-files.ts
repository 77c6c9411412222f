import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An `/etc/passwd` and `/etc/group` for process cells, naming only root and the sandbox user
 * (`cell`, home `/data`), written once under `dir`: many programs look their user up (PostgreSQL's
 * `initdb` refuses to run without an entry) and the host's own files must stay hidden. Returns
 * them as read-only binds, `[hostPath, sandboxPath]`.
 */
export function identityFiles(dir: string, uid: number, gid: number): ReadonlyArray<readonly [string, string]> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const user = uid === 0 ? [] : [`cell:x:${uid}:${gid}:cell:/data:/usr/sbin/nologin`];
  const group = gid === 0 ? [] : [`cell:x:${gid}:`];
  const files = {
    passwd: ['root:x:0:0:root:/root:/usr/sbin/nologin', ...user].join('\n') + '\n',
    group: ['root:x:0:', ...group].join('\n') + '\n',
  };
  return Object.entries(files).map(([name, text]) => {
    const file = join(dir, name);
    writeFileSync(file, text, { mode: 0o644 });
    chmodSync(file, 0o644);
    return [file, `/etc/${name}`] as const;
  });
}
