import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { connectDynamic } from '@cell/sdk';
import { CLI, cell, load, tempTree, type TempTree } from './helpers.ts';
import { workCellFiles } from './work-cell.ts';

const SESSION = `cell-top-${process.pid}`;
let tree: TempTree | undefined;
afterEach(() => {
  spawnSync('tmux', ['kill-session', '-t', SESSION]);
  tree?.remove();
  tree = undefined;
});

const tmux = (...args: string[]) => spawnSync('tmux', args, { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', SESSION).stdout;
const sessionAlive = () => tmux('has-session', '-t', SESSION).status === 0;

/** Polls the terminal's screen (every 100 ms, at most `timeoutMs`) until `seen` holds; returns that screen. */
async function until(seen: (screen: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = screen();
    if (seen(s)) return s;
    if (Date.now() > deadline) throw new Error(`the screen never showed ${what}; it shows:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('cell top (a real tree in a real terminal: tmux)', () => {
  it('shows every replica live with its CPU, memory and restarts, sorts on a key, and quits on q', { timeout: 90_000 }, async () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work', { toml: 'replicas = 2' }) });
    const started = cell(['mitosis', tree.root, '--detach']);
    expect(started.code, started.stderr).toBe(0);
    const command = `NO_COLOR=1 '${process.execPath}' '${CLI}' top '${tree.root}' --interval 200`;
    expect(tmux('new-session', '-d', '-s', SESSION, '-x', '120', '-y', '30', command).status).toBe(0);

    const first = await until((s) => /^work-0\s+ready\s+\d+\s/m.test(s) && /^work-1\s+ready\s+\d+\s/m.test(s), 'both replicas ready');
    expect(first).toContain(`cell top · ${tree.root}`);
    expect(first).toMatch(/^REPLICA\s+STATE\s+PID\s+CPU%\s+MEM\s+RESTARTS\s+UP$/m);
    await until((s) => /^work-0\s+ready\s+\d+\s+\d+\.\d\s+\d+\.\dM\s+0\s/m.test(s), 'a CPU figure and the memory of work-0');

    const client = connectDynamic({ socketPath: join(tree.root, 'cells/work/run/work-0.sock') });
    const traffic = load(() => client.call('whoami', {}), 2); // calls until the screen has shown them
    try {
      await until((s) => /^CELL\s+CALLS\/S\s+ERRORS\/S\s+P50\s+P99\s+INFL$/m.test(s) && /^work\s+[1-9][\d.]*\s+0\.0\s+≤/m.test(s), 'the calls of work');
      // work runs two replicas: each has its own line under the cell's (the calls go to work-0's socket).
      await until((s) => /^ {2}work-0\s+[1-9][\d.]*\s+0\.0\s+≤\S+\s+≤\S+\s+\d+$/m.test(s) && /^ {2}work-1\s+[\d.]+/m.test(s), "the calls of work's replicas");
    } finally {
      await traffic.stop();
      await client.$close();
    }

    tmux('send-keys', '-t', SESSION, 'm');
    await until((s) => s.includes('sort: memory') && s.includes('[m]memory'), 'the memory sort');
    tmux('send-keys', '-t', SESSION, 'n');
    const byName = await until((s) => s.includes('sort: name'), 'the name sort');
    expect(byName.indexOf('work-0')).toBeLessThan(byName.indexOf('work-1'));

    tmux('send-keys', '-t', SESSION, 'q');
    const deadline = Date.now() + 10_000;
    while (sessionAlive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(sessionAlive(), 'cell top did not quit on q').toBe(false);
  });

  it('printed to a pipe, shows one frame and ends', () => {
    tree = tempTree({ 'cell.toml': '[cell]\nname = "root"\nversion = "1.0.0"\n', ...workCellFiles('cells/work') });
    expect(cell(['mitosis', tree.root, '--detach']).code).toBe(0);
    const r = cell(['top', tree.root, '--interval', '200']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^work-0\s+ready\s+\d+\s+\d+\.\d\s/m);
    expect(cell(['top', tree.root, '--sort', 'weight']).stderr).toContain('--sort must be one of cpu, memory, restarts, uptime, name');
  });
});
