import type { TreeStatus } from '@cell/host';
import { renderTree } from './tree-view.ts';

/** Redraws the tree in place on a terminal, at most every `intervalMs`. */
export class LiveView {
  private lastLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly source: () => TreeStatus;
  private readonly footer: () => string;
  private readonly intervalMs: number;

  constructor(source: () => TreeStatus, footer: () => string, intervalMs = 100) {
    this.source = source;
    this.footer = footer;
    this.intervalMs = intervalMs;
  }

  /** Schedules a redraw (coalesced). */
  update(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, this.intervalMs);
  }

  draw(): void {
    const lines = [...renderTree(this.source(), { replicas: false }), '', this.footer()];
    let out = this.lastLines > 0 ? `\x1b[${this.lastLines}F\x1b[J` : '';
    out += `${lines.join('\n')}\n`;
    process.stdout.write(out);
    this.lastLines = lines.length;
  }

  /** Draws once more and stops redrawing. */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.draw();
  }
}
