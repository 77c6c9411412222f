import type { TreeStatus } from '@cell/host';

/** States a cell passes through while its tree starts, in the order a line names them. */
const PHASES = ['building', 'starting', 'backoff'] as const;

/**
 * One line on how far a starting tree is: the cells building (type-check included) and
 * starting, and the replicas ready of those wanted — or, before the nucleus answers, that it is
 * starting. The same status gives the same line, so a caller prints only what changed.
 */
export function startProgress(status: TreeStatus | undefined, elapsedMs: number): string {
  const seconds = `${Math.floor(elapsedMs / 1000)}s`;
  if (!status) return `${seconds} · the nucleus is starting`;
  const parts: string[] = [];
  for (const phase of PHASES) {
    const cells = status.cells.filter((c) => c.state === phase).map((c) => c.name);
    if (cells.length > 0) parts.push(`${phase} ${cells.join(', ')}`);
  }
  const wanted = status.cells.reduce((n, c) => n + (c.state === 'group' ? 0 : c.replicasWanted), 0);
  const ready = status.cells.reduce((n, c) => n + c.replicas.filter((r) => r.state === 'ready').length, 0);
  parts.push(`${ready}/${wanted} replicas ready`);
  return `${seconds} · ${parts.join(' · ')}`;
}

/**
 * Writes progress while a tree starts in the background: on a terminal one line rewritten in
 * place, elsewhere a line each time something changed (never the seconds alone). Quiet for the
 * first `quietMs`: a tree that starts fast prints only its result.
 */
export class ProgressLine {
  private last = '';
  private shown = false;
  private readonly out: NodeJS.WriteStream;
  private readonly quietMs: number;

  constructor(out: NodeJS.WriteStream, quietMs = 1000) {
    this.out = out;
    this.quietMs = quietMs;
  }

  update(status: TreeStatus | undefined, elapsedMs: number): void {
    if (elapsedMs < this.quietMs) return;
    const line = startProgress(status, elapsedMs);
    const changed = line.replace(/^\d+s · /, '') !== this.last.replace(/^\d+s · /, '');
    if (this.out.isTTY) {
      if (line !== this.last) this.out.write(`\r\x1b[2K${line}`);
    } else if (changed) this.out.write(`${line}\n`);
    this.last = line;
    this.shown = true;
  }

  /** Clears the in-place line (a terminal) before the result is printed. */
  done(): void {
    if (this.shown && this.out.isTTY) this.out.write('\r\x1b[2K');
  }
}
