import { describe, expect, it } from 'vitest';
import type { TreeStatus } from '@cell/host';
import { capturedLogger, cellToml, tempTree, useTeardown } from '../test-fixtures/temp-cells.ts';
import { openMetrics } from './open-metrics.ts';
import { TreeMetrics } from './tree-metrics.ts';

const defer = useTeardown();
const noStatus = async (): Promise<TreeStatus> => {
  throw new Error('not asked in these tests');
};

describe('openMetrics', () => {
  it('follows CELL_METRICS over the root cell.toml, and serves nothing when either says "off"', async () => {
    const plain = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false }) });
    const off = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false, extra: '[observe]\nmetrics = "off"' }) });
    const { logger } = capturedLogger();
    expect(await openMetrics(off, new TreeMetrics(), noStatus, logger, {})).toBeUndefined();
    expect(await openMetrics(plain, new TreeMetrics(), noStatus, logger, { CELL_METRICS: 'off' })).toBeUndefined();
    const server = await openMetrics(off, new TreeMetrics(), noStatus, logger, { CELL_METRICS: '127.0.0.1:0' });
    defer(() => server?.close());
    expect(server?.address.host).toBe('127.0.0.1');
    expect(server?.address.port).toBeGreaterThan(0);
  });

  it('refuses a malformed CELL_METRICS, naming it', async () => {
    const plain = tempTree(defer, { 'cell.toml': cellToml('root', { entry: false }) });
    await expect(openMetrics(plain, new TreeMetrics(), noStatus, capturedLogger().logger, { CELL_METRICS: 'everywhere' })).rejects.toMatchObject({
      code: 'CELL_E_INVALID_ARGUMENT',
      message: expect.stringContaining('CELL_METRICS: expected "host:port"'),
    });
  });
});
