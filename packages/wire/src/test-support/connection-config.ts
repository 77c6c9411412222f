import { DEFAULT_LIMITS } from '../limits.ts';
import type { PoolConfig } from '../synapse/synapse-pool.ts';

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
