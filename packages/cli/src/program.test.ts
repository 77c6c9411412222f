import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from './output/cli-error.ts';
import { program } from './program.ts';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree } from './test-support/fixtures.ts';

const COMMANDS = ['init', 'build', 'id', 'author', 'publish', 'donate', 'types', 'update', 'check', 'mitosis', 'status', 'top', 'dashboard', 'trace', 'stop', 'logs', 'call', 'reload', 'restart', 'describe', 'completion'];

/** The one JSON line an error printed on stderr (the wire form of a CellError). */
function jsonError(stderr: string): { code: string; message: string; details?: unknown; declared?: boolean } {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  const value = JSON.parse(lines[0]!) as { code: string; message: string };
  expect(Object.keys(value).every((k) => ['code', 'message', 'details', 'declared'].includes(k))).toBe(true);
  expect(typeof value.message).toBe('string');
  return value;
}

describe('program', () => {
  it('has one command per file of commands/, in the documented order', () => {
    expect(program().commands.map((c) => c.name())).toEqual(COMMANDS);
  });

  it('gives a fresh command line each time (no state shared between parses)', () => {
    expect(program()).not.toBe(program());
  });
});

describe('cell --version (real process)', () => {
  it("prints the installed package's version", () => {
    const r = runCell(['--version']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.stdout.trim()).toBe((JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { version: string }).version);
  });
});

describe('cell (usage errors, real processes)', () => {
  it('refuses an unknown command with exit 2 and the help', () => {
    const r = runCell(['frobnicate']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: cell');
    for (const c of COMMANDS) expect(r.stderr).toContain(`  ${c}`);
  });

  it("refuses a missing argument or an unknown option with exit 2 and the command's help", () => {
    const missing = runCell(['init']);
    expect(missing.code).toBe(ExitCode.USAGE);
    expect(missing.stderr).toContain('Usage: cell init');
    const option = runCell(['status', '--bogus']);
    expect(option.code).toBe(ExitCode.USAGE);
    expect(option.stderr).toContain('Usage: cell status');
  });
});

describe('cell (errors of commands, real processes)', () => {
  let tree: TempTree;
  beforeAll(() => {
    tree = tempTree({
      'cell.toml': ROOT_TOML,
      ...calcCellFiles('cells/calc', { toml: '\n[resources]\nmemory = "12 potatoes"\n' }),
      'cells/other/cell.toml': '[cell]\nname = "other"\nversion = "1.0.0"\ncolour = "red"\n',
      'idle/cell.toml': ROOT_TOML,
    });
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('prints one line for people, or the documented JSON with --json, with the exit code of the error', () => {
    const idle = join(tree.root, 'idle');
    const human = runCell(['status', idle]);
    expect(human.code).toBe(ExitCode.NOT_RUNNING);
    expect(human.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error CELL_E_TREE_NOT_RUNNING: /)]);
    const json = runCell(['status', idle, '--json']);
    expect(json.code).toBe(ExitCode.NOT_RUNNING);
    expect(json.stdout).toBe('');
    expect(jsonError(json.stderr).code).toBe('CELL_E_TREE_NOT_RUNNING');
    const missing = runCell(['check', join(tree.root, 'nowhere'), '--json']);
    expect(missing.code).toBe(ExitCode.USAGE);
    expect(jsonError(missing.stderr).code).toBe('CELL_E_CONFIG_NOT_FOUND');
  });

  it('lists every problem of a broken cell.toml for people, and as details.problems with --json (exit 2)', () => {
    const human = runCell(['check', tree.root]);
    expect(human.code).toBe(ExitCode.USAGE);
    const lines = human.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error CELL_E_CONFIG_INVALID: 2 problems in cell.toml$/);
    expect(lines.slice(1).map((l) => l.trim().split(':')[0]).sort()).toEqual([join(tree.root, 'cells/calc/cell.toml'), join(tree.root, 'cells/other/cell.toml')]);
    const json = runCell(['check', tree.root, '--json']);
    expect(json.code).toBe(ExitCode.USAGE);
    const err = jsonError(json.stderr) as { code: string; details: { problems: Array<{ file: string; line: number; key: string }> } };
    expect(err.code).toBe('CELL_E_CONFIG_INVALID');
    expect(err.details.problems.map((p) => [p.file, p.key]).sort()).toEqual([
      [join(tree.root, 'cells/calc/cell.toml'), 'resources.memory'],
      [join(tree.root, 'cells/other/cell.toml'), 'cell.colour'],
    ]);
    for (const p of err.details.problems) expect(p.line).toBeGreaterThan(0);
  });

  it('always reports the errors of call as JSON', () => {
    const r = runCell(['call', join(tree.root, 'idle'), 'echo', '{"n":1']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(jsonError(r.stderr).code).toBe('CELL_E_INVALID_ARGUMENT');
  });
});
