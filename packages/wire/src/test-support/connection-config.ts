import { DEFAULT_LIMITS } from '../limits.ts';
import { silentLogger } from '../logger.ts';
import type { SynapseConnectionConfig } from '../synapse/synapse-connection.ts';
import type { PoolConfig } from '../synapse/pool-config.ts';
import { ManualClock } from './manual-clock.ts';

/** A synapse's connection settings for tests: the default limits, target `test`, calling as `cell`. */
export function testConnectionConfig(cell: string | undefined): PoolConfig['connection'] {
  return {
    maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes,
    frameTimeoutMs: DEFAULT_LIMITS.frameTimeoutMs,
    maxWriteBacklogBytes: DEFAULT_LIMITS.maxWriteBacklogBytes,
    windowBytes: DEFAULT_LIMITS.streamWindowBytes,
    target: 'test',
    fingerprint: undefined,
    cell,
    replica: undefined,
  };
}

/** A connection's settings for tests against a raw membrane (target `raw`), calling as `caller`, on a manual clock unless given one. */
export function rawConnectionConfig(clock: ManualClock | undefined, overrides: Partial<SynapseConnectionConfig> = {}): SynapseConnectionConfig {
  return {
    maxFrameBytes: 1 << 20,
    frameTimeoutMs: 30_000,
    maxWriteBacklogBytes: 4 << 20,
    windowBytes: 64 * 1024,
    handshakeTimeoutMs: 5000,
    target: 'raw',
    fingerprint: undefined,
    cell: 'caller',
    replica: undefined,
    clock: clock ?? new ManualClock(),
    log: silentLogger,
    onEvent: () => undefined,
    ...overrides,
  };
}
