import { CellError } from '@cell/protocol';
import { compareGenomes, formatChange, type Genome } from '@cell/contract';
import { type AxonCredentials, DEFAULT_LIMITS, type Endpoint, loadAxonCredentials, type SynapseConnection, SynapsePool, systemClock } from '@cell/wire';
import { launchSettings } from './launch.ts';
import { type Logger, processLog } from './logger.ts';
import { type ConnectOptions, streamWindows } from './options.ts';

/** Where a pool's calls may go, and how to start the cell when nothing answers. */
export interface PoolTargets {
  endpoints(): Endpoint[];
  remoteEndpoints?: (() => Promise<Endpoint[]>) | undefined;
  /** Endpoints come and go (a cell's replicas): refresh and fail over between them. */
  discovers: boolean;
  startCell?: ((timeoutMs: number) => Promise<void>) | undefined;
  describe: string;
}

/**
 * Refuses, before any call is sent, a cell whose genome does not fit the one we were built
 * against; undefined when its fingerprint is ours (nothing to fetch or wait for).
 */
function checkCompatible(conn: SynapseConnection, local: Genome | undefined, timeoutMs: number): Promise<void> | undefined {
  if (!local || conn.remote.fingerprint === local.fingerprint) return undefined;
  return compareWithRemote(conn, local, timeoutMs);
}

async function compareWithRemote(conn: SynapseConnection, local: Genome, timeoutMs: number): Promise<void> {
  const mismatch = (reason: string, problems: string[] = []) =>
    new CellError('CELL_E_SCHEMA_MISMATCH', `${reason}: built against ${local.name}@${local.version}, the cell serves ${conn.remote.name}@${conn.remote.version}`, {
      details: {
        expected: { name: local.name, version: local.version, fingerprint: local.fingerprint },
        actual: { name: conn.remote.name, version: conn.remote.version, fingerprint: conn.remote.fingerprint },
        problems,
      },
    });
  if (conn.remote.name !== local.name) throw mismatch('wrong cell');
  const remote = (await conn.genome(timeoutMs)) as Genome;
  const report = compareGenomes(local, remote);
  if (report.breaking.length > 0) throw mismatch('incompatible genome', report.breaking.map(formatChange));
}

/** Each logger's child for synapses, made once: pino makes a child in ~2-4 us, once per `connect()` before. */
const synapseLogs = new WeakMap<Logger, Logger>();

function synapseLog(base: Logger): Logger {
  let log = synapseLogs.get(base);
  if (log === undefined) synapseLogs.set(base, (log = base.child({ component: 'sdk.synapse' })));
  return log;
}

/** A synapse pool over `targets` with the limits and identity of `options` (already checked). */
export function createPool(targets: PoolTargets, options: ConnectOptions, local: Genome | undefined): SynapsePool {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_LIMITS.connectTimeoutMs;
  const windows = streamWindows(options);
  const launch = launchSettings();
  let credentials: AxonCredentials | undefined = options.credentials;
  return new SynapsePool({
    ...targets,
    remoteEndpoints: targets.remoteEndpoints,
    startCell: targets.startCell,
    defaultTimeoutMs: options.timeoutMs ?? DEFAULT_LIMITS.callTimeoutMs,
    connectTimeoutMs,
    connection: {
      maxFrameBytes: options.maxFrameBytes ?? DEFAULT_LIMITS.maxFrameBytes,
      frameTimeoutMs: options.frameTimeoutMs ?? DEFAULT_LIMITS.frameTimeoutMs,
      maxWriteBacklogBytes: DEFAULT_LIMITS.maxWriteBacklogBytes,
      windowBytes: windows.start,
      maxWindowBytes: windows.max,
      target: local?.name,
      fingerprint: local?.fingerprint,
      cell: options.caller?.cell ?? launch.name,
      replica: options.caller?.replica ?? launch.replica,
    },
    log: synapseLog(options.logger ?? processLog()),
    clock: systemClock,
    random: Math.random,
    check: (conn) => checkCompatible(conn, local, connectTimeoutMs),
    credentials: () => (credentials ??= launch.identityFile ? loadAxonCredentials(launch.identityFile) : undefined),
  });
}
