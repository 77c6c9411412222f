import { mkdirSync } from 'node:fs';
import type { CellConfig } from '@cell/config';
import { ExecProcess, type ExecSpec } from '../process/exec-process.ts';
import { execSpecFor } from '../process/exec-launch.ts';
import type { ReplicaPorts } from '../process/port-allocation.ts';
import { dataDir, replicaVariables } from '../process/replica-variables.ts';
import type { ReplicaLimits } from './cgroups.ts';
import type { ReplicaLog } from './replica-log.ts';
import type { SparePool } from './spare-pool.ts';
import { ReplicaProcess } from './replica-process.ts';
import type { SupervisedProcess } from './supervised-process.ts';
import { UnstartedProcess } from './unstarted-process.ts';

/** One replica's process, about to start. */
export interface ReplicaLaunch {
  /** The cell's name in the tree (an old major kept beside its successor runs as `<name>-v<major>`). */
  cell: string;
  config: CellConfig;
  replica: string;
  /** The built Node entry (unused by a process cell). */
  main: string;
  socket: string;
  treeRoot: string;
  /** The nucleus's launch environment for the cell, with its dependencies' addresses. */
  env: Record<string, string>;
  ports: ReplicaPorts;
  limits: ReplicaLimits;
  log: ReplicaLog;
  /** Socket activation: the listening sockets it takes over. */
  listen?: ExecSpec['listen'];
  onAxon: () => void;
  spares?: SparePool | undefined;
}

/**
 * Starts a replica's process: a Node cell forked with its bundle, or a process cell's
 * executable. One that cannot start at all (CELL_E_START_FAILED: a missing executable, an unset
 * variable, a secret others may read) is an UnstartedProcess carrying why.
 */
export function launchReplica(l: ReplicaLaunch): SupervisedProcess {
  const { config } = l;
  try {
    const inherited = { ...process.env, ...l.env };
    const own = replicaVariables(config, { cell: l.cell, replica: l.replica, ports: l.ports }, inherited);
    const readyTimeoutMs = config.lifeCycle.readyTimeoutMs;
    if (config.process) {
      const spec = execSpecFor(config, config.process, { replica: l.replica, treeRoot: l.treeRoot, env: { ...inherited, ...own }, limits: l.limits, log: l.log }, readyTimeoutMs);
      return new ExecProcess(l.listen ? { ...spec, listen: l.listen, ready: { kind: 'started' } } : spec);
    }
    mkdirSync(dataDir(config), { recursive: true, mode: 0o700 });
    return new ReplicaProcess({ cell: l.cell, replicaId: l.replica, dir: config.dir, main: l.main, socket: l.socket, env: { ...l.env, ...own }, limits: l.limits, log: l.log, readyTimeoutMs, onAxon: l.onAxon, spares: l.spares });
  } catch (err) {
    for (const server of l.listen?.servers ?? []) server.close();
    return new UnstartedProcess(err as Error);
  }
}
