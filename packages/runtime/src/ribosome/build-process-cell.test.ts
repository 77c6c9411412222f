import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCellConfig } from '@cell/config';
import { tempDir, useTeardown } from '../test-fixtures/temp-cells.ts';
import { buildProcessCell } from './build-process-cell.ts';

const defer = useTeardown();

/** A process cell whose [build] copies its source into .cell/build and counts its runs in builds.txt. */
function cell(build: string, extra = ''): string {
  return tempDir(defer, {
    'cell.toml': `[cell]\nname = "svc"\nversion = "1.0.0"\nrun = ["./.cell/build/server"]\n[build]\nrun = ${build}\n${extra}`,
    'server.sh': '#!/bin/sh\nexec sleep 600\n',
  });
}
const COPY = '["sh", "-c", "echo run >> builds.txt; cp server.sh \\"$CELL_BUILD_DIR/server\\" && chmod +x \\"$CELL_BUILD_DIR/server\\" && echo copied"]';

describe('buildProcessCell', () => {
  it("runs the cell's own build command, again only when one of its files changed", async () => {
    const dir = cell(COPY);
    const lines: string[] = [];
    expect(await buildProcessCell(loadCellConfig(dir), { onLine: (l) => lines.push(l) })).toMatchObject({ cell: 'svc', rebuilt: true, main: join(dir, 'cell.toml') });
    expect(lines).toEqual(['copied']);
    expect(readFileSync(join(dir, '.cell/build/server'), 'utf8')).toContain('exec sleep 600');
    expect(await buildProcessCell(loadCellConfig(dir))).toMatchObject({ rebuilt: false }); // builds.txt it wrote itself is not a change
    writeFileSync(join(dir, 'server.sh'), '#!/bin/sh\nexec sleep 601\n');
    expect(await buildProcessCell(loadCellConfig(dir))).toMatchObject({ rebuilt: true });
    expect(await buildProcessCell(loadCellConfig(dir), { force: true })).toMatchObject({ rebuilt: true });
    expect(readFileSync(join(dir, 'builds.txt'), 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('fails with CELL_E_BUILD_FAILED and the last lines of its output; a command too slow is killed', async () => {
    const failing = cell('["sh", "-c", "echo compiling; echo \\"server.c:3: error: expected ;\\" >&2; exit 2"]');
    await expect(buildProcessCell(loadCellConfig(failing))).rejects.toMatchObject({
      code: 'CELL_E_BUILD_FAILED',
      message: 'svc: [build] sh -c echo compiling; echo "server.c:3: error: expected ;" >&2; exit 2 exited with code 2:\n  compiling\n  server.c:3: error: expected ;',
    });
    await expect(buildProcessCell(loadCellConfig(cell('["no-such-compiler-here"]')))).rejects.toThrow('"no-such-compiler-here" was not found');
    await expect(buildProcessCell(loadCellConfig(cell('["sleep", "30"]', 'timeout = "1s"\n')))).rejects.toThrow('took longer than 1000 ms and was killed');
  });
});
