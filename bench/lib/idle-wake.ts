// The first reply of a sleeping cell: a Node cell with idle_timeout, exited since its last call,
// that its nucleus starts again when a call comes (in the tree's spare Node process, with the SDK
// loaded, when one is ready), against a bare `node -e` start measured in the same rounds (from a
// small process).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { connectDynamic } from '@cell/sdk';
import type { TreeStatus } from '@cell/host';
import { median, round } from './stats.ts';

const CLI = fileURLToPath(new URL('../../packages/cli/bin/cell.mjs', import.meta.url));

/** Runs the `cell` CLI; throws with its stderr when it fails. */
export function cellCli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 600_000, env: { ...process.env, NO_COLOR: '1' } });
  if (r.status !== 0) throw new Error(`cell ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** `cell stop`, whatever it says (the tree may be gone already). */
export function stopTree(root: string): void {
  spawnSync(process.execPath, [CLI, 'stop', root]);
}

export function treeStatus(root: string): TreeStatus {
  return JSON.parse(cellCli(['status', root, '--json'])) as TreeStatus;
}

/** Polls `predicate` every 2 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

// Starts `node -e` for each line it reads and prints how long it took to print its one byte.
const STARTER = `const { spawn } = require('node:child_process');
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  const t = performance.now();
  const child = spawn(process.execPath, ['-e', "process.stdout.write('x')"]);
  child.stdout.once('data', () => process.stdout.write(String(performance.now() - t) + '\\n'));
});`;

/**
 * Times a bare Node start — spawn of `node -e` printing one byte, until that byte — from a small
 * process of its own: fork() copies its caller's page tables, and the bench process grows to
 * hundreds of MiB, which made the same start ~10 ms slower from there.
 */
export class BareStarter {
  private readonly child = spawn(process.execPath, ['-e', STARTER], { stdio: ['pipe', 'pipe', 'inherit'] });
  private readonly waiting: Array<(ms: number) => void> = [];

  constructor() {
    let buffered = '';
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      buffered += text;
      for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
        this.waiting.shift()?.(Number(buffered.slice(0, end)));
        buffered = buffered.slice(end + 1);
      }
    });
  }

  startMs(): Promise<number> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write('\n');
    });
  }

  close(): void {
    this.child.kill();
  }
}

export interface IdleWakeOptions {
  /** A tree (not running) whose cell `cell` has idle_timeout. */
  root: string;
  /** The sleeping cell: its directory, and its name in the tree. */
  cellDir: string;
  cell: string;
  /** The call that wakes it. */
  method: string;
  input: unknown;
  rounds: number;
  /** Extra `cell mitosis` arguments (`--no-typecheck`). */
  mitosisArgs?: string[];
  log(line: string): void;
}

/** Medians over `rounds`: a bare Node start, and the sleeping cell's first reply; how many rounds woke it in the spare. */
export async function idleWake(opts: IdleWakeOptions): Promise<{ bare_node_ms: number; idle_cell_first_reply_ms: number; ratio: number; woken_in_spare: string }> {
  const bare: number[] = [];
  const cold: number[] = [];
  let inSpare = 0;
  const cellOf = (s: TreeStatus) => s.cells.find((c) => c.name === opts.cell);
  const starter = new BareStarter();
  try {
    cellCli(['mitosis', opts.root, '--detach', ...(opts.mitosisArgs ?? [])]);
    for (let i = 0; i < opts.rounds; i++) {
      let asleep: TreeStatus | undefined;
      await waitUntil(() => cellOf((asleep = treeStatus(opts.root)))?.state === 'idle', 30_000, `${opts.cell} to sleep`);
      bare.push(await starter.startMs());
      const t = performance.now();
      const client = connectDynamic({ cell: opts.cellDir, name: opts.cell });
      await client.call(opts.method, opts.input);
      cold.push(performance.now() - t);
      const woken = (await client.$connect()).pid; // the handshake's, already made: no call
      await client.$close();
      if (woken === asleep?.nucleus.sparePid) inSpare++;
      opts.log(`${opts.cell} woken ${i + 1}/${opts.rounds}: bare node ${round(bare.at(-1)!)} ms, sleeping cell's first reply ${round(cold.at(-1)!)} ms${woken === asleep?.nucleus.sparePid ? ' (in the spare)' : ''}`);
    }
  } finally {
    starter.close();
    stopTree(opts.root);
  }
  const b = median(bare);
  const c = median(cold);
  return { bare_node_ms: round(b), idle_cell_first_reply_ms: round(c), ratio: round(c / b, 2), woken_in_spare: `${inSpare}/${opts.rounds}` };
}
