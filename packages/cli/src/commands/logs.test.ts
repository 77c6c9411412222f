import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../output/log-format.ts';
import { calcCellFiles, ROOT_TOML, runCell, tempTree, type TempTree, waitFor } from '../test-support/fixtures.ts';
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

  it('follows from --since until Ctrl-C: prints lines as they are appended, whole lines only, from new files too, and again after truncation', async () => {
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
      await logsCommand(live.root, 'c', { follow: true, since: T, followMs: 20_000, pollMs: 20 }, (r) => {
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

describe('cell logs: filters, following from the end, rotation, one tree only', () => {
  const rec = (time: number, level: string, cell: string | undefined, msg: string, more: Record<string, unknown> = {}) =>
    JSON.stringify({ time, level, ...(cell ? { cell } : {}), msg, ...more });
  let tree: TempTree;
  const write = (path: string, lines: string[]) => {
    mkdirSync(dirname(join(tree.root, path)), { recursive: true });
    writeFileSync(join(tree.root, path), lines.map((l) => `${l}\n`).join(''));
  };
  /** Ctrl-C for `logs -f`: the listener the command added, called without signalling the test process. */
  const ctrlC = (before: NodeJS.SignalsListener[]) => {
    for (const l of process.listeners('SIGINT')) if (!before.includes(l)) l('SIGINT');
  };

  beforeAll(() => {
    tree = tempTree({
      'cell.toml': ROOT_TOML,
      'cells/a/cell.toml': '[cell]\nname = "a"\nversion = "1.0.0"\n\n[deps]\nx = "../../other/x"\n',
      'other/x/cell.toml': '[cell]\nname = "x"\nversion = "1.0.0"\n',
    });
    write('log/nucleus.log', [
      rec(T + 1, 'info', 'a', 'cell built'),
      rec(T + 3, 'info', 'a', 'replica ready', { replica: 'a-0', component: 'runtime.nucleus' }),
      rec(T + 9, 'info', undefined, 'tree stopped'),
    ]);
    write('cells/a/log/a-0.log', [
      rec(T + 2, 'debug', 'a', 'call ended', { method: 'place', outcome: 'ok' }),
      rec(T + 3, 'info', 'a', 'replica ready', { replica: 'a-0', component: 'runtime.nucleus' }),
      rec(T + 4, 'warn', 'a', 'slow disk'),
      rec(T + 5, 'error', 'a', 'handler failed', { method: 'place', err: { message: 'card service down' } }),
    ]);
    write('cells/a/log/a-0.log.1', [rec(T, 'info', 'a', 'from the rotated file')]);
    write('cells/a/log/b-0.log', [rec(T + 6, 'info', 'b', 'a cell of another name once lived here')]);
    write('other/x/log/x-0.log', [rec(T + 7, 'info', 'x', 'x, a dependency outside the folder')]);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it("shows each line once: the nucleus's notes about a replica come from the replica's log; rotated files first", async () => {
    expect(await messages(tree.root)).toEqual(['from the rotated file', 'cell built', 'call ended', 'replica ready', 'slow disk', 'handler failed', 'x, a dependency outside the folder', 'tree stopped']);
  });

  it("shows, for one cell, the nucleus's lines about it", async () => {
    expect(await messages(tree.root, 'a', { level: 'info' })).toEqual(['from the rotated file', 'cell built', 'replica ready', 'slow disk', 'handler failed']);
  });

  it('filters by level, grep (any value) and time, and keeps the last n of what passes', async () => {
    expect(await messages(tree.root, undefined, { level: 'warn' })).toEqual(['slow disk', 'handler failed']);
    expect(await messages(tree.root, undefined, { grep: /place/ })).toEqual(['call ended', 'handler failed']);
    expect(await messages(tree.root, undefined, { grep: /card service/, level: 'error' })).toEqual(['handler failed']);
    expect(await messages(tree.root, undefined, { lines: 2 })).toEqual(['x, a dependency outside the folder', 'tree stopped']);
    expect(await messages(tree.root, undefined, { lines: 2, level: 'info', since: T + 4 })).toEqual(['x, a dependency outside the folder', 'tree stopped']);
    expect(await messages(tree.root, undefined, { lines: 0 })).toEqual([]);
  });

  it("leaves out a cell another running tree runs: its log holds that tree's lines", async () => {
    const pointer = join(tree.root, 'other/x/run/nucleus.json');
    mkdirSync(dirname(pointer), { recursive: true });
    // A live process (this one) runs `x` for a tree rooted elsewhere.
    writeFileSync(pointer, JSON.stringify({ pid: process.pid, socket: '/nowhere.sock', root: join(tree.root, 'other') }));
    try {
      expect(await messages(tree.root)).not.toContain('x, a dependency outside the folder');
      expect(await messages(tree.root, 'x').catch((e: { code: string }) => e.code)).toBe('CELL_E_INVALID_ARGUMENT');
    } finally {
      rmSync(pointer);
    }
  });

  it('suggests the closest cell name for one that is not in the tree', async () => {
    await expect(messages(tree.root, 'aa')).rejects.toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT', details: { cell: 'aa', suggestion: 'a' } });
  });

  it('follows from the end: what was there before is not printed, what is appended is', async () => {
    const seen: string[] = [];
    const before = process.listeners('SIGINT');
    const log = join(tree.root, 'cells/a/log/a-0.log');
    const following = logsCommand(tree.root, 'a', { follow: true, followMs: 20_000, pollMs: 20 }, (r) => {
      seen.push(String(r.value['msg']));
      ctrlC(before);
    });
    // The command looked at the files before its first wait: this line comes after.
    appendFileSync(log, `${rec(T + 20, 'info', 'a', 'appended')}\n`);
    await following;
    expect(seen).toEqual(['appended']);
  });

  it('follows across a rotation without printing a line twice or losing one', async () => {
    const live = tempTree({ 'cell.toml': ROOT_TOML, 'cells/c/cell.toml': '[cell]\nname = "c"\nversion = "1.0.0"\n' });
    const file = join(live.root, 'cells/c/log/c-0.log');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${rec(T, 'info', 'c', 'one')}\n`);
    const seen: string[] = [];
    const before = process.listeners('SIGINT');
    const steps: Record<string, () => void> = {
      one: () => {
        // Written, then rotated away before the next read, then a new file.
        appendFileSync(file, `${rec(T + 1, 'info', 'c', 'two')}\n`);
        renameSync(file, `${file}.1`);
        writeFileSync(file, `${rec(T + 2, 'info', 'c', 'three')}\n`);
      },
      three: () => ctrlC(before),
    };
    try {
      await logsCommand(live.root, undefined, { follow: true, lines: 5, followMs: 20_000, pollMs: 20 }, (r) => {
        seen.push(String(r.value['msg']));
        steps[String(r.value['msg'])]?.();
      });
    } finally {
      await live.remove();
    }
    expect(seen).toEqual(['one', 'two', 'three']);
  });

  it('takes --level, --grep, -n and --since through the CLI, and refuses a bad one with exit 2', () => {
    const r = runCell(['logs', tree.root, '--json', '--level', 'info', '--grep', 'ready|slow', '-n', '1', '--since', '2023-11-14T22:13:20.003Z']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { msg: string }).msg)).toEqual(['slow disk']);
    expect(runCell(['logs', tree.root, '--since', 'yesterday']).code).toBe(2);
    expect(runCell(['logs', tree.root, '--grep', '(']).code).toBe(2);
    expect(runCell(['logs', tree.root, '--level', 'loud']).code).toBe(2);
    expect(runCell(['logs', tree.root, '-n', 'many']).code).toBe(2);
  });
});

describe('cell logs of a running tree at debug level (real processes)', () => {
  let tree: TempTree;
  beforeAll(() => {
    tree = tempTree({ 'cell.toml': ROOT_TOML, ...calcCellFiles('cells/calc') });
    const up = runCell(['mitosis', tree.root, '--detach'], { env: { CELL_LOG_LEVEL: 'debug' } });
    if (up.code !== 0) throw new Error(`the test tree did not start (${up.code}): ${up.stderr}`);
  });
  afterAll(async () => {
    await tree?.remove();
  });

  it('has one line per call served: method, duration, outcome, trace, caller', async () => {
    const calc = join(tree.root, 'cells/calc');
    expect(runCell(['call', calc, 'echo', '{"n":1}']).code).toBe(0);
    expect(runCell(['call', calc, 'half', '{"n":3}']).code).toBe(1);
    const served = () => {
      const r = runCell(['logs', tree.root, 'calc', '--json', '--level', 'debug', '--grep', '^call served$']);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    // The replica writes its log asynchronously: wait (bounded) for both lines.
    const lines = await waitFor(() => {
      const found = served();
      return found.length >= 2 ? found : undefined;
    }, 'two call lines in the log');
    expect(lines.map((l) => [l['level'], l['cell'], l['method'], l['outcome'], l['caller']])).toEqual([
      ['debug', 'calc', 'echo', 'ok', 'cli'],
      ['debug', 'calc', 'half', 'Odd', 'cli'],
    ]);
    for (const l of lines) {
      expect(l['trace']).toMatch(/^[0-9a-f]{32}$/);
      expect(typeof l['durationMs']).toBe('number');
    }
  });
});
