import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { lookupUser, runAsUser } from './system-user.ts';

describe('system users', () => {
  const defer = useTeardown();
  const passwd = () => {
    const file = join(tempDir(defer), 'passwd');
    writeFileSync(file, `root:x:0:0:root:/root:/bin/bash\npg:x:4242:4343:PostgreSQL,,,:/var/lib/pg:/bin/sh\n${process.getuid!() === 0 ? '' : `me:x:${process.getuid!()}:1:me:/home/me:/bin/sh\n`}`);
    return file;
  };

  it('reads a user from a passwd file', () => {
    expect(lookupUser('pg', passwd())).toEqual({ name: 'pg', uid: 4242, gid: 4343, home: '/var/lib/pg' });
    expect(lookupUser('nope', passwd())).toBeUndefined();
  });

  it('switches only a root nucleus, to a user that exists and can reach the cell', () => {
    const file = passwd();
    const dir = tempDir(defer);
    expect(runAsUser('db', undefined, dir, file)).toBeUndefined();
    if (process.getuid!() !== 0) {
      expect(runAsUser('db', 'pg', dir, file)).toBeUndefined(); // not root: runs as itself
      return;
    }
    expect(() => runAsUser('db', 'nope', dir, file)).toThrow('cell db: user "nope" does not exist on this machine');
    chmodSync(dir, 0o700); // a temp dir: only root may enter
    expect(() => runAsUser('db', 'pg', join(dir, 'cells', 'db'), file)).toThrow(`cell db: user "pg" cannot reach ${join(dir, 'cells', 'db')}: ${dir} (mode 0700) does not let it in`);
    chmodSync(dir, 0o711);
    expect(runAsUser('db', 'pg', join(dir, 'cells', 'db'), file)).toMatchObject({ uid: 4242 });
  });
});
