import type { TreeStatus } from '@cell/host';
import type { Logger } from '@cell/sdk';
import type { DashboardServer } from './dashboard-server.ts';
import { LogFeed } from './log-feed.ts';
import type { MetricsServer } from './metrics-server.ts';
import { dashboardAddress, type DashboardNucleus, openDashboard } from './open-dashboard.ts';
import { metricsAddress, openMetrics } from './open-metrics.ts';
import { openSpanExport } from './open-span-export.ts';
import type { SpanExport } from './span-export.ts';
import { TreeMetrics } from './tree-metrics.ts';

/**
 * How a running tree is watched, opened and closed together by its nucleus: the Prometheus
 * endpoint, the span export over OTLP and the web dashboard (each as the root's `[observe]`
 * says), and the feed of log lines the dashboard shows (made only when the dashboard is on).
 */
export class TreeObservers {
  /** Every replica's log lines as they are written; undefined when nothing shows them live. */
  readonly logFeed: LogFeed | undefined;
  /** The tree's metrics, when they are served: made first, so the network can add libp2p's to them as it starts. */
  readonly treeMetrics: TreeMetrics | undefined;
  private metrics: MetricsServer | undefined;
  private spanExport: SpanExport | undefined;
  private dashboard: DashboardServer | undefined;
  private readonly nucleus: DashboardNucleus;
  private readonly log: Logger;
  private readonly env: NodeJS.ProcessEnv;

  constructor(nucleus: DashboardNucleus, log: Logger, env: NodeJS.ProcessEnv = process.env) {
    this.nucleus = nucleus;
    this.log = log;
    this.env = env;
    this.logFeed = dashboardAddress(nucleus.tree, env) ? new LogFeed() : undefined;
    this.treeMetrics = metricsAddress(nucleus.tree, env) ? new TreeMetrics() : undefined;
  }

  /** Opens the span export and the dashboard (before the cells start: they show it). */
  async openEarly(): Promise<void> {
    this.spanExport = await openSpanExport(this.nucleus.tree, () => this.nucleus.allSupervisors(), this.log, this.env);
    try {
      if (this.logFeed) this.dashboard = await openDashboard(this.nucleus, this.logFeed, this.log, this.env);
    } catch (err) {
      // The dashboard is on by default: a tree must not fail to start because it could not listen.
      this.log.error({ err }, 'the dashboard could not start; the tree runs without it');
    }
  }

  /** Opens the metrics endpoint (once the cells run). */
  async openMetrics(): Promise<void> {
    if (this.treeMetrics) this.metrics = await openMetrics(this.nucleus.tree, this.treeMetrics, () => this.nucleus.fullStatus(), this.log, this.env);
  }

  /** Where each is served, for the tree's status. */
  status(): Pick<TreeStatus, 'metrics' | 'dashboard'> {
    return { metrics: this.metrics ? { url: this.metrics.url } : null, dashboard: this.dashboard ? { url: this.dashboard.url } : null };
  }

  /** Closes them all; the span export sends its last spans first (call it before the replicas stop). */
  async close(): Promise<void> {
    await Promise.all([this.metrics?.close(), this.dashboard?.close(), this.spanExport?.stop()]);
  }
}
