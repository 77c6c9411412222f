import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles, validateToml } from '../test-fixtures/temp-files.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

const CELL = '[cell]\nname = "root"\nversion = "1.0.0"\n[cells]\n';

describe('[cells]', () => {
  it('lists sub-cells by entry and finds the cells/ folder, an entry winning over the folder', () => {
    const dir = files({ 'cells/api/cell.toml': '', 'cells/worker/cell.toml': '', 'elsewhere/jobs/cell.toml': '' });
    const { config } = validateToml(`${CELL}jobs = "elsewhere/jobs"\nfront = { path = "cells/api", replicas = 2 }\n`, dir);
    expect(config?.cells).toEqual({
      jobs: { dir: join(dir, 'elsewhere/jobs'), replicas: undefined, discovered: false },
      front: { dir: join(dir, 'cells/api'), replicas: 2, discovered: false },
      worker: { dir: join(dir, 'cells/worker'), replicas: undefined, discovered: true },
    });
  });

  it('reports entries that are not paths to cells', () => {
    const dir = files({});
    const problems = Object.fromEntries(validateToml(`${CELL}a = 5\nb = { replicas = 2 }\nc = ""\nd = "cells/d"\ne = { path = "x", replicas = 0 }\n`, dir).problems.map((p) => [p.key, p.message]));
    expect(problems).toEqual({
      'cells.a': 'expected a path or a table like { path = "cells/api", replicas = 2 }, got number 5',
      'cells.b.path': 'expected a path to a cell directory, got nothing',
      'cells.c': 'expected a path to a cell directory, got ""',
      'cells.d': `path "cells/d" does not exist (looked for ${join(dir, 'cells/d')})`,
      'cells.e.replicas': 'expected a whole number from 1 to 1000, got number 0',
    });
  });
});
