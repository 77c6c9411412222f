import { type CellTree, DEFAULT_METRICS_ADDRESS, parseMetricsAddress } from '@cell/config';
import type { TreeStatus } from '@cell/host';
import type { Logger } from '@cell/sdk';
import { MetricsServer } from './metrics-server.ts';
import { observeSetting } from './observe-setting.ts';
import type { TreeMetrics } from './tree-metrics.ts';

/** Where to serve: `CELL_METRICS` (this run's override, same syntax), else the root's `[observe] metrics`, else loopback:9464. */
export function metricsAddress(tree: CellTree, env: NodeJS.ProcessEnv): { host: string; port: number } | null {
  return observeSetting(env, 'CELL_METRICS', parseMetricsAddress, tree.root.config.observe?.metrics, DEFAULT_METRICS_ADDRESS);
}

/** Serves the tree's Prometheus metrics (see metricsAddress); undefined when "off". */
export async function openMetrics(tree: CellTree, metrics: TreeMetrics, status: () => Promise<TreeStatus>, log: Logger, env = process.env): Promise<MetricsServer | undefined> {
  const address = metricsAddress(tree, env);
  if (!address) return undefined;
  const server = await MetricsServer.open({ ...address }, async () => ({ contentType: metrics.contentType, body: await metrics.render(await status()) }), log.child({ component: 'runtime.metrics' }));
  log.info({ url: server.url }, 'metrics listening');
  return server;
}
