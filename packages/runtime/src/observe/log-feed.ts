/**
 * The tree's log lines as they are written, for live views: the newest `keep` lines (what a view
 * shows first) and a callback per line for those watching. Lines are the JSON lines of the log
 * files (docs/logging.md), one per call, without their newline.
 */
export class LogFeed {
  private readonly ring: string[];
  private next = 0;
  private count = 0;
  private readonly watchers = new Set<(line: string) => void>();

  readonly keep: number;

  constructor(keep = 500) {
    this.keep = keep;
    this.ring = new Array<string>(keep);
  }

  push(line: string): void {
    const text = line.endsWith('\n') ? line.slice(0, -1) : line;
    this.ring[this.next] = text;
    this.next = (this.next + 1) % this.keep;
    this.count = Math.min(this.count + 1, this.keep);
    for (const w of this.watchers) w(text);
  }

  /** The newest lines, oldest first. */
  recent(): string[] {
    const out: string[] = [];
    for (let i = this.count; i > 0; i--) out.push(this.ring[(this.next - i + this.keep) % this.keep]!);
    return out;
  }

  /** Calls `watcher` with each new line until the returned function is called. */
  watch(watcher: (line: string) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }
}
