import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { silentLogger } from '../logger.ts';
import { testConnectionConfig } from '../test-support/connection-config.ts';
import { ManualClock } from '../test-support/manual-clock.ts';
import { systemClock } from '../clock.ts';
import type { Endpoint } from './candidates.ts';
import { listenUnix } from '../transport/unix-transport.ts';
import { startTestMembrane, unaryMethod } from '../test-support/test-membrane.ts';
import type { PoolConfig } from './pool-config.ts';
import { SynapsePool } from './synapse-pool.ts';

function config(overrides: Partial<PoolConfig>): PoolConfig {
  return {
    endpoints: () => [],
    remoteEndpoints: undefined,
    discovers: true,
    startCell: undefined,
    describe: 'cell test',
    defaultTimeoutMs: 1000,
    connectTimeoutMs: 500,
    connection: testConnectionConfig(undefined),
    log: silentLogger,
    clock: systemClock,
    random: () => 0.5,
    check: async () => undefined,
    credentials: () => undefined,
    ...overrides,
  };
}

const pools: SynapsePool[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function pool(overrides: Partial<PoolConfig>): SynapsePool {
  const p = new SynapsePool(config(overrides));
  pools.push(p);
  return p;
}

/** Lets pending promise jobs run (the pool awaits a few internally before it starts the cell). */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

describe('SynapsePool', () => {
  it('ends a call by its deadline with CELL_E_TIMEOUT while the cell is still being started', async () => {
    const clock = new ManualClock();
    const starts: number[] = [];
    const p = pool({ clock, startCell: (timeoutMs) => (starts.push(timeoutMs), new Promise<void>(() => undefined)) });
    const outcome = p.unary('m', {}, { timeoutMs: 250 }).then(
      () => 'resolved',
      (e: CellError<string>) => e.code,
    );
    await settle();
    expect(starts).toEqual([250]); // the start gets what is left of the call's deadline, not a fixed 30 s
    clock.advance(249);
    await settle();
    clock.advance(1);
    expect(await outcome).toBe('CELL_E_TIMEOUT');
  });

  it('starts the cell once for racing callers, and fails them all when the start fails', async () => {
    let starts = 0;
    const p = pool({
      startCell: async () => {
        starts++;
        await new Promise((r) => setTimeout(r, 20));
        throw new CellError('CELL_E_UNAVAILABLE', 'no such cell');
      },
    });
    const results = await Promise.allSettled([1, 2, 3].map(() => p.unary('m', {}, { timeoutMs: 2000 })));
    expect(starts).toBe(1);
    for (const r of results) expect(r.status === 'rejected' && (r.reason as CellError<string>).code).toBe('CELL_E_UNAVAILABLE');
  });

  it('counts a socket that hangs up during the handshake as unreachable, and starts the cell once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cell-pool-'));
    dirs.push(dir);
    const server = await listenUnix(join(dir, 'x.sock'), (s) => s.destroy());
    try {
      let starts = 0;
      const p = pool({ endpoints: () => [{ kind: 'unix', path: join(dir, 'x.sock') }], startCell: async () => void starts++, connectTimeoutMs: 300 });
      await expect(p.unary('m', {}, { timeoutMs: 3000 })).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
      expect(starts).toBe(1);
    } finally {
      server.close();
    }
  });

  it('gives up at once on a cell that refuses us (schema mismatch), without starting anything', async () => {
    const membrane = await startTestMembrane([unaryMethod('m', () => 'ok')]);
    try {
      let starts = 0;
      const p = pool({
        endpoints: () => [{ kind: 'unix', path: membrane.socketPath }],
        startCell: async () => void starts++,
        check: async () => {
          throw new CellError('CELL_E_SCHEMA_MISMATCH', 'incompatible');
        },
      });
      await expect(p.unary('m', {}, { timeoutMs: 3000 })).rejects.toMatchObject({ code: 'CELL_E_SCHEMA_MISMATCH' });
      expect(starts).toBe(0);
    } finally {
      await membrane.close();
    }
  });

  it('calls a cell, and fails a call over to another replica when its own goes away', async () => {
    const a = await startTestMembrane([unaryMethod('who', () => 'a')]);
    const b = await startTestMembrane([unaryMethod('who', () => 'b')]);
    try {
      const endpoints: Endpoint[] = [{ kind: 'unix', path: a.socketPath }, { kind: 'unix', path: b.socketPath }];
      const p = pool({ endpoints: () => endpoints });
      const seen = new Set<unknown>();
      for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(await p.unary('who', {}, { timeoutMs: 2000 }));
      expect(seen).toEqual(new Set(['a', 'b']));
      await a.close();
      endpoints.splice(0, 1);
      for (let i = 0; i < 10; i++) expect(await p.unary('who', {}, { timeoutMs: 2000 })).toBe('b');
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('opens a pool bound to one endpoint straight away, trying it twice before it gives up (once for a refusal)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cell-pool-'));
    dirs.push(dir);
    const path = join(dir, 'x.sock');
    let accepted = 0;
    const server = await listenUnix(path, (s) => (accepted++, s.destroy()));
    try {
      const p = pool({ endpoints: () => [{ kind: 'unix', path }], discovers: false });
      expect(p.stats().map((c) => c.endpoint)).toEqual([path]); // known before any call
      await expect(p.unary('m', {}, { timeoutMs: 3000 })).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
      expect(accepted).toBe(2);
    } finally {
      server.close();
    }
    const membrane = await startTestMembrane([unaryMethod('m', () => 'ok')]);
    try {
      let checks = 0;
      const p = pool({
        endpoints: () => [{ kind: 'unix', path: membrane.socketPath }],
        discovers: false,
        check: () => (checks++, Promise.reject(new CellError('CELL_E_SCHEMA_MISMATCH', 'incompatible'))),
      });
      await expect(p.unary('m', {}, { timeoutMs: 3000 })).rejects.toMatchObject({ code: 'CELL_E_SCHEMA_MISMATCH' });
      expect(checks).toBe(1);
      const fits = pool({ endpoints: () => [{ kind: 'unix', path: membrane.socketPath }], discovers: false, check: () => undefined });
      expect(await fits.unary('m', {}, { timeoutMs: 3000 })).toBe('ok');
      expect(await fits.unary('m', {}, { timeoutMs: 3000 })).toBe('ok');
      expect(fits.stats()).toMatchObject([{ endpoint: membrane.socketPath, connected: true, calls: 2 }]);
    } finally {
      await membrane.close();
    }
  });

  it('refuses calls once closed', async () => {
    const p = pool({});
    await p.close();
    await expect(p.connection()).rejects.toMatchObject({ code: 'CELL_E_CLOSED' });
  });
});
