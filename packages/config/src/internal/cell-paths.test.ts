import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempFiles } from '../test-fixtures/temp-files.ts';
import { BuildContext } from './build-context.ts';
import { cellDirectory, cellsFolder, defaultContract, sourceFile } from './cell-paths.ts';
import { ProblemReport } from './problem-report.ts';

const { files, cleanup } = tempFiles();
afterEach(cleanup);

function context(dir: string, document: unknown) {
  const report = new ProblemReport(join(dir, 'cell.toml'), '');
  return { ctx: new BuildContext(dir, document, report), report };
}

describe('sourceFile', () => {
  it('resolves a file against the cell directory and reports a missing one', () => {
    const dir = files({ 'src/main.ts': '' });
    const { ctx, report } = context(dir, { cell: { entry: 'src/main.ts', contract: 'src/c.ts' } });
    expect(sourceFile(ctx, ['cell', 'entry'])).toBe(join(dir, 'src/main.ts'));
    expect(sourceFile(ctx, ['cell', 'contract'])).toBeUndefined();
    expect(report.problems()[0]?.message).toBe(`contract file "src/c.ts" does not exist (looked for ${join(dir, 'src/c.ts')})`);
  });

  it('leaves absent keys and keys with a problem alone', () => {
    const dir = files({});
    const { ctx, report } = context(dir, { cell: { entry: 'x.ts' } });
    report.add(['cell', 'entry'], 'bad');
    expect(sourceFile(ctx, ['cell', 'entry'])).toBeUndefined();
    expect(sourceFile(ctx, ['cell', 'contract'])).toBeUndefined();
    expect(report.count).toBe(1);
  });

  it('refuses a directory where a file should be', () => {
    const dir = files({ 'src/main.ts/x': '' });
    const { ctx } = context(dir, { cell: { entry: 'src/main.ts' } });
    expect(sourceFile(ctx, ['cell', 'entry'])).toBeUndefined();
  });
});

describe('defaultContract', () => {
  it('is src/contract.ts when it exists', () => {
    expect(defaultContract(files({ 'src/contract.ts': '' }))).toMatch(/src\/contract\.ts$/);
    expect(defaultContract(files({}))).toBeUndefined();
  });
});

describe('cellDirectory', () => {
  it('needs a directory holding a cell.toml', () => {
    const dir = files({ 'a/cell.toml': '', 'b/README': '' });
    const { ctx, report } = context(join(dir, 'a'), {});
    expect(cellDirectory(ctx, ['deps', 'a'], '.')).toBe(join(dir, 'a'));
    expect(cellDirectory(ctx, ['deps', 'b'], '../b')).toBeUndefined();
    expect(cellDirectory(ctx, ['deps', 'c'], '../c')).toBeUndefined();
    expect(report.problems().map((p) => p.message)).toEqual([
      `"../b" has no cell.toml (looked in ${join(dir, 'b')})`,
      `path "../c" does not exist (looked for ${join(dir, 'c')})`,
    ]);
  });
});

describe('cellsFolder', () => {
  it('lists sub-directories of cells/ that hold a cell.toml, sorted', () => {
    const dir = files({ 'cells/b/cell.toml': '', 'cells/a/cell.toml': '', 'cells/notes/README': '', 'cells/file.txt': '' });
    expect(cellsFolder(dir)).toEqual([
      { name: 'a', dir: join(dir, 'cells/a') },
      { name: 'b', dir: join(dir, 'cells/b') },
    ]);
    expect(cellsFolder(files({}))).toEqual([]);
  });

  it('counts a cell.toml that is not a regular file, so reading it reports what it is', () => {
    const dir = files({ 'cells/a/README': '' });
    execFileSync('mkfifo', [join(dir, 'cells/a/cell.toml')]);
    expect(cellsFolder(dir).map((c) => c.name)).toEqual(['a']);
  });
});
