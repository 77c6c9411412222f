import { writeFileSync } from 'node:fs';
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

  it('refuses a user that does not exist, and another user unless the nucleus is root', () => {
    expect(runAsUser('db', undefined, passwd())).toBeUndefined();
    expect(() => runAsUser('db', 'nope', passwd())).toThrow('cell db: user "nope" does not exist on this machine');
    if (process.getuid!() === 0) expect(runAsUser('db', 'pg', passwd())).toMatchObject({ uid: 4242 });
    else expect(() => runAsUser('db', 'pg', passwd())).toThrow('needs the nucleus to run as root');
  });
});
