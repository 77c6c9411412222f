import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../output/log-format.ts';
import { ROOT_TOML, runCell, tempTree, type TempTree } from '../test-support/fixtures.ts';
import { logsCommand } from './logs.ts';

const T = 1_700_000_000_000;
const line = (time: number, cell: string | undefined, msg: string) => JSON.stringify({ time, level: 'info', ...(cell ? { cell } : {}), msg });

/** Runs `cell logs` in process and returns the messages it emitted, in order. */
async function messages(dir: string, cell?: string, options: Parameters<typeof logsCommand>[2] = {}): Promise<string[]> {
  const out: string[] = [];
  await logsCommand(dir, cell, options, (r) => out.push(String(r.value['msg'])));
  return out;
}

describe('cell logs (log files written by hand)', () => {
  let tree: TempTree;
  const write = (path: string, lines: string[]) => {
    mkdirSync(dirname(join(tree.root, path)), { recursive: true });
    writeFileSync(join(tree.root, path), lines.map((l) => `${l}\n`).join(''));
  };

  beforeAll(() => {
    tree = tempTree({
      'cell.toml': ROOT_TOML,
      'cells/a/cell.toml': '[cell]\nname = "a"\nversion = "1.0.0"\n',
      'cells/b/cell.toml': '[cell]\nname = "b"\nversion = "1.0.0"\n',
    });
    write('log/nucleus.log', [line(T + 1, undefined, 'nucleus 1'), line(T + 6, undefined, 'nucleus 6')]);
    write('cells/a/log/a-0.log', [line(T + 2, 'a', 'a0 2'), 'a line of plain text', line(T + 5, 'a', 'a0 5')]);
    write('cells/a/log/a-1.log', [line(T + 3, 'a', 'a1 3')]);
    write('cells/a/log/notes.txt', [line(T, 'a', 'not a log file')]);
    write('cells/b/log/b-0.log', [line(T + 4, 'b', 'b0 4'), '', '   ']);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it("merges every cell's and the nucleus' log files in time order; text lines come last (read now)", async () => {
    expect(await messages(tree.root)).toEqual(['nucleus 1', 'a0 2', 'a1 3', 'b0 4', 'a0 5', 'nucleus 6', 'a line of plain text']);
  });

  it('shows one cell alone, without the nucleus', async () => {
    expect(await messages(tree.root, 'a')).toEqual(['a0 2', 'a1 3', 'a0 5', 'a line of plain text']);
    expect(await messages(tree.root, 'b')).toEqual(['b0 4']);
  });

  it('shows only lines at or after `since`', async () => {
    expect(await messages(tree.root, 'a', { since: T + 3 })).toEqual(['a1 3', 'a0 5', 'a line of plain text']);
  });

  it('refuses a cell that is not in the tree with CELL_E_INVALID_ARGUMENT', async () => {
    await expect(messages(tree.root, 'nope')).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT' });
  });

  it('refuses a directory without cell.toml with CELL_E_CONFIG_NOT_FOUND', async () => {
    await expect(messages(join(tree.root, 'cells'))).rejects.toMatchObject({ code: 'CELL_E_CONFIG_NOT_FOUND' });
  });

  it('prints nothing for a tree that has not logged yet', async () => {
    const quiet = tempTree({ 'cell.toml': ROOT_TOML });
    try {
      expect(await messages(quiet.root)).toEqual([]);
    } finally {
      await quiet.remove();
    }
  });

  it('follows until Ctrl-C: prints lines as they are appended, whole lines only, from new files too, and again after truncation', async () => {
    const live = tempTree({ 'cell.toml': ROOT_TOML, 'cells/c/cell.toml': '[cell]\nname = "c"\nversion = "1.0.0"\n' });
    const file = join(live.root, 'cells/c/log/c-0.log');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${line(T, 'c', 'first')}\n`);
    const seen: LogRecord[] = [];
    // Ctrl-C ends `logs -f`: call the listener the command adds, without signalling the test process.
    const before = process.listeners('SIGINT');
    const ctrlC = () => {
      for (const l of process.listeners('SIGINT')) if (!before.includes(l)) l('SIGINT');
    };
    const third = line(T + 2, 'c', 'third');
    // Each step writes when the previous line shows up, so every step needs one more poll.
    const steps: Record<string, () => void> = {
      // The third line arrives in two writes: nothing of it may show before it is whole.
      first: () => appendFileSync(file, `${line(T + 1, 'c', 'second')}\n${third.slice(0, 20)}`),
      second: () => appendFileSync(file, `${third.slice(20)}\n`),
      third: () => writeFileSync(join(live.root, 'cells/c/log/c-1.log'), `${line(T + 3, 'c', 'other replica')}\n`),
      'other replica': () => writeFileSync(file, `${line(T + 4, 'c', 'rotated')}\n`),
      rotated: ctrlC,
    };
    const started = Date.now();
    try {
      // followMs only bounds a test that went wrong; Ctrl-C after the last step ends it.
      await logsCommand(live.root, 'c', { follow: true, followMs: 20_000 }, (r) => {
        seen.push(r);
        steps[String(r.value['msg'])]?.();
      });
    } finally {
      await live.remove();
    }
    expect(Date.now() - started, 'ended by Ctrl-C, not by followMs').toBeLessThan(20_000);
    expect(process.listeners('SIGINT')).toEqual(before);
    expect(seen.map((r) => r.value['msg'])).toEqual(['first', 'second', 'third', 'other replica', 'rotated']);
    expect(seen[2]!.value).toEqual({ time: T + 2, level: 'info', cell: 'c', msg: 'third' });
  });

  it('prints the raw JSON lines with --json, and pretty lines otherwise (through the CLI)', () => {
    const json = runCell(['logs', tree.root, 'b', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown)).toEqual([{ time: T + 4, level: 'info', cell: 'b', msg: 'b0 4' }]);
    const pretty = runCell(['logs', tree.root, 'b']);
    expect(pretty.code).toBe(0);
    expect(pretty.stdout.trim()).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: b b0 4$/);
  });
});
