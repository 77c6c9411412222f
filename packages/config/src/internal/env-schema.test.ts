import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles, validateToml } from '../test-fixtures/temp-files.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const CELL = '[cell]\nname = "api"\nversion = "1.0.0"\n';
const problemsOf = (toml: string, dir?: string) => Object.fromEntries(validateToml(toml, dir).problems.map((p) => [p.key, p.message]));

describe('[env] and env_file', () => {
  it('reads the env file (dotenv syntax), then [env] over it, values as strings', () => {
    const dir = files({ '.env': '# a comment\nexport MODE=dev\nQUOTED="a b"\nSHARED=from-file\n' });
    const { config } = validateToml(`${CELL}env_file = ".env"\n[env]\nSHARED = "from-toml"\nWORKERS = 4\nDEBUG = true\nDATA = "\${CELL_DATA}/x"\n`, dir);
    expect(config?.env).toEqual({ MODE: 'dev', QUOTED: 'a b', SHARED: 'from-toml', WORKERS: '4', DEBUG: 'true', DATA: '${CELL_DATA}/x' });
  });

  it('refuses the nucleus variables, bad names and a missing file', () => {
    const dir = files({ 'bad.env': 'CELL_NAME=x\nOK=1\n' });
    expect(problemsOf(`${CELL}env_file = "gone.env"\n[env]\nCELL_SOCKET = "x"\n`, dir)).toEqual({
      'cell.env_file': `env file "gone.env" does not exist (looked for ${join(dir, 'gone.env')})`,
      'env.CELL_SOCKET': 'CELL_SOCKET: CELL_* variables are set by the nucleus',
    });
    expect(problemsOf(`${CELL}env_file = "bad.env"\n`, dir)).toEqual({ 'cell.env_file': 'bad.env: CELL_NAME: CELL_* variables are set by the nucleus' });
    expect(problemsOf(`${CELL}[env]\n"1X" = "y"\nA = [1]\n`)).toMatchObject({ 'env.1X': expect.stringContaining('variable names are letters'), 'env.A': expect.stringContaining('a string, number or boolean') });
  });
});

describe('[secrets]', () => {
  it('names files only their owner can read', () => {
    const dir = files({ 'secrets/pw': 'hunter2\n', 'secrets/open': 'x' });
    chmodSync(join(dir, 'secrets/pw'), 0o600);
    chmodSync(join(dir, 'secrets/open'), 0o644);
    expect(validateToml(`${CELL}[secrets]\nDB_PASSWORD = "secrets/pw"\n`, dir).config?.secrets).toEqual({ DB_PASSWORD: join(dir, 'secrets/pw') });
    expect(problemsOf(`${CELL}[secrets]\nOPEN = "secrets/open"\nGONE = "secrets/gone"\n`, dir)).toEqual({
      'secrets.OPEN': `secret file ${join(dir, 'secrets/open')} has mode 0644: others may read it; chmod 600 it`,
      'secrets.GONE': `secret file ${join(dir, 'secrets/gone')} does not exist`,
    });
  });
});
