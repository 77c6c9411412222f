import { type CellTree, DEFAULT_DASHBOARD_ADDRESS, parseDashboardAddress } from '@cell/config';
import type { TreeStatus } from '@cell/host';
import type { Logger } from '@cell/sdk';
import { HttpDoor } from '../gateway/http-door.ts';
import { recordedGenome } from '../gateway/open-gateway.ts';
import { replicaSpans } from '../nucleus/replica-reports.ts';
import type { CellSupervisor } from '../nucleus/cell-supervisor.ts';
import { DashboardServer } from './dashboard-server.ts';
import type { LogFeed } from './log-feed.ts';
import type { ListenAddress } from './listen-fallback.ts';
import { originOf } from './http-guard.ts';
import { observeSetting } from './observe-setting.ts';

/** Spans asked of each replica for the graph and the recent traces. */
const VIEW_SPANS = 500;
/** The largest body a method call from the API explorer may send. */
const MAX_CALL_BODY = 1 << 20;

/** Where to serve: `CELL_DASHBOARD` (this run's override, same syntax), else the root's `[observe] dashboard`, else loopback:9465. */
export function dashboardAddress(tree: CellTree, env: NodeJS.ProcessEnv): ListenAddress | null {
  return observeSetting(env, 'CELL_DASHBOARD', parseDashboardAddress, tree.root.config.observe?.dashboard, DEFAULT_DASHBOARD_ADDRESS);
}

/** What the dashboard reads of the nucleus. */
export interface DashboardNucleus {
  readonly tree: CellTree;
  fullStatus(): Promise<TreeStatus>;
  allSupervisors(): CellSupervisor[];
}

/** Serves the tree's web dashboard (see dashboardAddress); undefined when "off". */
export async function openDashboard(nucleus: DashboardNucleus, logs: LogFeed, log: Logger, env = process.env): Promise<DashboardServer | undefined> {
  const address = dashboardAddress(nucleus.tree, env);
  if (!address) return undefined;
  const { tree } = nucleus;
  const callable = tree.nodes.filter((n) => n.config.cell.entry).map((n) => ({ name: n.name, dir: n.dir, genome: recordedGenome(n.dir) }));
  const genomes = new Map(callable.map((c) => [c.name, c.genome]));
  const dashLog = log.child({ component: 'runtime.dashboard' });
  const calls = HttpDoor.routes({ listen: address, cells: callable.map((c) => c.name), maxBodyBytes: MAX_CALL_BODY }, callable, { name: tree.root.name, version: tree.root.config.cell.version }, dashLog, 'dashboard');
  const dependencies = tree.nodes.flatMap((n) => Object.values(n.deps).map((d) => ({ from: n.name, to: d.name })));
  const server = await DashboardServer.open(
    address,
    {
      fullStatus: () => nucleus.fullStatus(),
      spans: () => replicaSpans(nucleus.allSupervisors(), { limit: VIEW_SPANS }),
      spansPerReplica: VIEW_SPANS,
      genome: async (cell) => genomes.get(cell)?.(),
      dependencies: () => dependencies,
      logs,
    },
    calls,
    dashLog,
  );
  // Never the token: logs are read by more people than the tree's owner. `cell dashboard` prints the whole URL.
  dashLog.info({ url: originOf(server.address), token: server.token !== undefined }, 'dashboard listening');
  return server;
}
