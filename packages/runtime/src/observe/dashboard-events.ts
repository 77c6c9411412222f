import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Genome } from '@cell/contract';
import type { ReplicaSpan, TreeStatus } from '@cell/host';
import { type CallEdge, callGraph } from './call-graph.ts';
import type { LogFeed } from './log-feed.ts';
import { summarizeTraces, type TraceSummary } from './trace-summary.ts';

/** What the dashboard shows, asked of the nucleus. */
export interface DashboardSource {
  /** The status with each cell's calls and candidates (asked of the replicas). */
  fullStatus(): Promise<TreeStatus>;
  /** The newest spans the replicas keep, at most `spansPerReplica` of each. */
  spans(): Promise<{ spans: ReplicaSpan[] }>;
  readonly spansPerReplica: number;
  /** A cell's genome (of its running replicas, else its last build); undefined for no such cell. */
  genome(cell: string): Promise<Genome | undefined>;
  /** The tree's declared dependencies between cells (`[deps]`). */
  dependencies(): Array<{ from: string; to: string }>;
  logs: LogFeed;
}

/** The calls between cells in the last minute, and the declared dependencies they run along. */
export interface GraphView {
  edges: CallEdge[];
  dependencies: Array<{ from: string; to: string }>;
}

const TICK_MS = 1000;
const LOG_FLUSH_MS = 250;
/** Log lines sent per flush; a burst beyond is counted, not sent. */
const MAX_LOG_LINES = 200;
/** A watcher that lets this much pile up unread is dropped (its browser reconnects). */
const MAX_BACKLOG_BYTES = 1 << 20;
/** Traces a view lists. */
const RECENT_TRACES = 30;

/**
 * The dashboard's live feed: each watching browser holds one Server-Sent Events stream. While
 * someone watches, the status goes out every second, the calls graph and recent traces every two,
 * and new log lines in batches four times a second; nothing is asked of the tree while nobody
 * watches. A watcher that stops reading is dropped, never buffered without bound.
 */
export class DashboardEvents {
  private readonly watchers = new Set<ServerResponse>();
  private readonly source: DashboardSource;
  private readonly maxWatchers: number;
  private timer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private stopFeed: (() => void) | undefined;
  private pending: string[] = [];
  private skipped = 0;
  private ticks = 0;
  private busy = false;

  constructor(source: DashboardSource, maxWatchers: number) {
    this.source = source;
    this.maxWatchers = maxWatchers;
  }

  watch(req: IncomingMessage, res: ServerResponse): void {
    if (this.watchers.size >= this.maxWatchers) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
      return void res.end(`at most ${this.maxWatchers} dashboards watch at once\n`);
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: logs\ndata: ${JSON.stringify({ lines: this.source.logs.recent(), skipped: 0 })}\n\n`);
    this.watchers.add(res);
    req.socket.setTimeout(0); // an event stream is quiet between events by design
    res.once('close', () => {
      this.watchers.delete(res);
      if (this.watchers.size === 0) this.idle();
    });
    if (this.watchers.size === 1) this.wake();
    void this.tick(true);
  }

  /** The calls graph, from the spans given or (asked of the tree) the newest ones. */
  async graph(given?: readonly ReplicaSpan[]): Promise<GraphView> {
    const spans = given ?? (await this.source.spans()).spans;
    return { edges: callGraph(spans, Date.now(), undefined, this.source.spansPerReplica), dependencies: this.source.dependencies() };
  }

  /** The recent requests, from the spans given or (asked of the tree) the newest ones. */
  async traces(given?: readonly ReplicaSpan[]): Promise<{ traces: TraceSummary[] }> {
    const spans = given ?? (await this.source.spans()).spans;
    return { traces: summarizeTraces(spans).slice(-RECENT_TRACES) };
  }

  close(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
    this.idle();
  }

  private wake(): void {
    this.timer = setInterval(() => void this.tick(false), TICK_MS);
    this.stopFeed = this.source.logs.watch((line) => {
      if (this.pending.length < MAX_LOG_LINES) this.pending.push(line);
      else this.skipped++;
      this.flushTimer ??= setTimeout(() => this.flushLogs(), LOG_FLUSH_MS);
    });
  }

  private idle(): void {
    clearInterval(this.timer);
    clearTimeout(this.flushTimer);
    this.timer = this.flushTimer = undefined;
    this.stopFeed?.();
    this.stopFeed = undefined;
    this.pending = [];
    this.skipped = 0;
  }

  private flushLogs(): void {
    this.flushTimer = undefined;
    if (this.pending.length === 0 && this.skipped === 0) return;
    this.broadcast('logs', { lines: this.pending, skipped: this.skipped });
    this.pending = [];
    this.skipped = 0;
  }

  /** Asks the tree (one question at a time, shared by every watcher) and sends what it answered. */
  private async tick(all: boolean): Promise<void> {
    if (this.busy || this.watchers.size === 0) return;
    this.busy = true;
    try {
      this.broadcast('status', await this.source.fullStatus());
      if (all || this.ticks++ % 2 === 0) {
        const { spans } = await this.source.spans(); // once for both views
        this.broadcast('graph', await this.graph(spans));
        this.broadcast('traces', await this.traces(spans));
      }
    } catch {
      // the tree is stopping: the next tick (if any) tries again
    } finally {
      this.busy = false;
    }
  }

  private broadcast(event: string, data: unknown): void {
    const message = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const w of this.watchers) {
      if (w.writableLength > MAX_BACKLOG_BYTES) w.destroy();
      else w.write(message);
    }
  }
}
