import type { ReplicaSpan } from '@cell/host';
import type { Logger } from '@cell/sdk';
import { spansOf } from '../nucleus/replica-reports.ts';
import type { CellSupervisor } from '../nucleus/cell-supervisor.ts';

/** Where exported spans go (an OTLP exporter; a test's collector). */
export interface SpanSink {
  /** Resolves once the spans were delivered; rejects when they could not be. */
  export(spans: readonly ReplicaSpan[]): Promise<void>;
  shutdown(): Promise<void>;
}

/** Spans asked of a replica at once, and how many such pages one poll takes at most (its whole ring of 100,000). */
const PAGE = 5000;
const MAX_PAGES = 20;
/** A busy replica answers a page within this long, or the poll moves on (its cursor stays: the next poll asks again). */
const PAGE_TIMEOUT_MS = 3000;

/**
 * Moves the tree's spans to a sink: every `intervalMs` it asks each replica for the spans recorded
 * since its previous poll (a cursor per process) and hands them over in one batch. Spans a replica
 * overwrote between two polls are counted and logged, never invented; a sink that fails is logged
 * once per failure streak and its batch dropped (the replicas keep serving either way).
 */
export class SpanExport {
  private readonly cursors = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private failing = false;
  /** Spans delivered, and spans lost (overwritten before a poll, or refused by the sink). */
  readonly counts = { exported: 0, dropped: 0 };

  private readonly supervisors: () => readonly CellSupervisor[];
  private readonly sink: SpanSink;
  private readonly log: Logger;
  private readonly intervalMs: number;

  constructor(supervisors: () => readonly CellSupervisor[], sink: SpanSink, log: Logger, intervalMs = 1000) {
    this.supervisors = supervisors;
    this.sink = sink;
    this.log = log;
    this.intervalMs = intervalMs;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  /** One poll (never two at once): collects what is new and exports it. */
  poll(): Promise<void> {
    this.polling ??= this.collect().finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async collect(): Promise<void> {
    const asked = this.supervisors().flatMap((sup) => sup.processes().map((p) => ({ cell: sup.name, ...p })));
    const alive = new Set(asked.map((a) => a.process.pid));
    for (const pid of this.cursors.keys()) if (!alive.has(pid)) this.cursors.delete(pid); // a replaced process starts over
    const batch: ReplicaSpan[] = [];
    let dropped = 0;
    await Promise.all(
      asked.map(async ({ cell, id, process }) => {
        for (let page = 0; page < MAX_PAGES; page++) {
          const answer = await process.spans?.({ after: this.cursors.get(process.pid) ?? 0, limit: PAGE }, PAGE_TIMEOUT_MS);
          if (answer?.next === undefined) return;
          this.cursors.set(process.pid, answer.next);
          dropped += answer.dropped ?? 0;
          batch.push(...spansOf(answer, cell, id));
          if (answer.spans.length < PAGE) return;
        }
      }),
    );
    if (dropped > 0) {
      this.counts.dropped += dropped;
      this.log.warn({ dropped }, 'spans were overwritten before they could be exported (raise [observe] spans)');
    }
    if (batch.length === 0) return;
    batch.sort((a, b) => a.start - b.start);
    try {
      await this.sink.export(batch);
      this.counts.exported += batch.length;
      if (this.failing) this.log.info({ spans: batch.length }, 'span export works again');
      this.failing = false;
    } catch (err) {
      this.counts.dropped += batch.length;
      if (!this.failing) this.log.warn({ err, spans: batch.length }, 'span export failed; retrying with the next batch');
      this.failing = true;
    }
  }

  /**
   * Stops polling after one last poll (call it before the replicas stop), then shuts the sink
   * down; a collector that does not answer holds the tree's stop for at most `flushMs`.
   */
  async stop(flushMs = 3000): Promise<void> {
    clearInterval(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, flushMs)));
    const flush = async () => {
      await this.polling; // a poll under way may have asked its replicas before the last calls ended
      await this.poll();
      await this.sink.shutdown();
    };
    await Promise.race([flush(), late]);
    clearTimeout(timer);
  }
}
