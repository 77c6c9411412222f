import type { TreeStatus } from '@cell/host';
import { cpuSecondsOf, treeStatus } from '@cell/runtime';
import { cellDir } from '../locate-tree.ts';
import { callRows, renderTop, TOP_SORTS, type TopSort, topRows } from '../output/top-view.ts';

/** Percent of one CPU each process used between two looks (null for a process seen once). */
export class CpuSampler {
  private last = new Map<number, { cpu: number; at: number }>();
  private percents = new Map<number, number>();

  /** Takes a look at `pids` at `nowMs` (monotonic). */
  sample(pids: number[], nowMs: number, cpuOf: (pid: number) => number | null = cpuSecondsOf): void {
    const next = new Map<number, { cpu: number; at: number }>();
    this.percents = new Map();
    for (const pid of pids) {
      const cpu = cpuOf(pid);
      if (cpu === null) continue;
      const before = this.last.get(pid);
      if (before && nowMs > before.at) this.percents.set(pid, Math.max(0, ((cpu - before.cpu) / ((nowMs - before.at) / 1000)) * 100));
      next.set(pid, { cpu, at: nowMs });
    }
    this.last = next;
  }

  percentOf = (pid: number): number | null => this.percents.get(pid) ?? null;
}

export interface TopOptions {
  intervalMs: number;
  sort: TopSort;
}

interface Terminal {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
}

const pidsOf = (s: TreeStatus) => s.cells.flatMap((c) => c.replicas.flatMap((r) => (r.pid === null ? [] : [r.pid])));

/**
 * `cell top [dir]`: the running tree's replicas, refreshed every `intervalMs` on the terminal's
 * alternate screen (CPU, memory, restarts, uptime); keys pick the sort, q quits. Written to
 * something that is not a terminal, it prints one frame and ends.
 */
export async function topCommand(dirArg: string | undefined, options: TopOptions, term: Terminal = { stdin: process.stdin, stdout: process.stdout }): Promise<void> {
  const dir = cellDir(dirArg);
  const sampler = new CpuSampler();
  let status = await treeStatus(dir); // not running: the command fails here, with the reason
  let lookedAt = performance.now();
  sampler.sample(pidsOf(status), lookedAt);
  let calls = callRows(undefined, status, 0);
  /** Asks the tree again: CPU shares and call rates since the previous look. */
  const look = async () => {
    const previous = status;
    status = await treeStatus(dir);
    const at = performance.now();
    sampler.sample(pidsOf(status), at);
    calls = callRows(previous, status, (at - lookedAt) / 1000);
    lookedAt = at;
  };
  const frame = (sort: TopSort, size: { width: number; height: number }) => renderTop(status, topRows(status, sampler.percentOf), sort, size, new Date(), calls);
  const out = term.stdout;
  if (!out.isTTY) {
    await new Promise((r) => setTimeout(r, Math.min(options.intervalMs, 1000)));
    await look();
    out.write(`${frame(options.sort, { width: 200, height: 1000 }).join('\n')}\n`);
    return;
  }
  let sort = options.sort;
  let problem: string | undefined;
  let wake: (() => void) | undefined;
  let quit = false;
  const draw = () => {
    const lines = frame(sort, { width: out.columns || 120, height: out.rows || 40 });
    if (problem) lines.splice(2, 1, `! ${problem}`);
    out.write(`\x1b[H\x1b[2J${lines.join('\n')}`);
  };
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === '\x03') quit = true;
    else if (key in TOP_SORTS) sort = TOP_SORTS[key as keyof typeof TOP_SORTS];
    else return;
    if (quit) wake?.();
    else draw();
  };
  out.write('\x1b[?1049h\x1b[?25l'); // the alternate screen, no cursor: the shell's screen comes back on exit
  if (term.stdin.isTTY) term.stdin.setRawMode(true);
  term.stdin.on('data', onKey).resume();
  out.on('resize', draw);
  try {
    while (!quit) {
      draw();
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, options.intervalMs);
      });
      if (quit) break;
      try {
        await look();
        problem = undefined;
      } catch (err) {
        problem = `the tree does not answer: ${(err as Error).message}`;
      }
    }
  } finally {
    out.off('resize', draw);
    term.stdin.off('data', onKey).pause();
    if (term.stdin.isTTY) term.stdin.setRawMode(false);
    out.write('\x1b[?25h\x1b[?1049l');
  }
}
