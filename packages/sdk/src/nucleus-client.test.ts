import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CellError } from '@cell/protocol';
import { nucleusContract } from '@cell/host';
import type { Handlers } from './contract-types.ts';
import { type Membrane, serve } from './membrane.ts';
import { NucleusClient } from './nucleus-client.ts';
import { tempDir } from './test-fixtures/harness.ts';

const tmp = tempDir('cell-nucleus-client-');
const socketPath = join(tmp.dir, 'nucleus.sock');
const seen: { start: unknown[]; resolve: unknown[]; timeouts: Array<number | undefined> } = { start: [], resolve: [], timeouts: [] };
const candidate = { node: '12D3KooWnode', host: '10.0.0.7', port: 7700, version: '1.2.0', fingerprint: 'sha256:abc' };

const start: Handlers<typeof nucleusContract>['start'] = async ({ cell }, ctx) => {
  seen.start.push(cell);
  seen.timeouts.push(ctx.timeoutMs);
  if (cell === '/cells/missing') throw ctx.fail('NoSuchCell', { cell });
  if (cell === '/cells/slow') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
  return { ready: 1 };
};
const resolve: Handlers<typeof nucleusContract>['resolve'] = (input) => {
  seen.resolve.push(input);
  return { candidates: [candidate], refused: [] };
};
const unused = () => {
  throw new Error('not used here');
};
// Every other method of the contract (it grows) fails if called.
const handlers = { ...Object.fromEntries(Object.keys(nucleusContract.methods).map((m) => [m, unused])), start, resolve } as Handlers<typeof nucleusContract>;

let nucleus: Membrane<typeof nucleusContract>;
beforeAll(async () => {
  nucleus = await serve(nucleusContract, handlers, { socketPath });
});
afterAll(async () => {
  await nucleus.stop({ graceMs: 100 });
  tmp.remove();
});

describe('NucleusClient (against a membrane serving the nucleus contract)', () => {
  it('asks the nucleus to start a cell, within the time given, over one connection', async () => {
    const client = new NucleusClient(socketPath);
    try {
      await client.start('/cells/stock', 'stock', 8000);
      await client.start('/cells/stock', 'stock', 8000);
      expect(seen.start).toEqual(['/cells/stock', '/cells/stock']);
      expect(seen.timeouts[0]).toBeGreaterThan(4000);
      expect(seen.timeouts[0]).toBeLessThanOrEqual(8000);
      expect(nucleus.connections).toBe(1);
    } finally {
      await client.close();
    }
  });

  it('fails with CELL_E_UNAVAILABLE when the nucleus cannot start the cell, keeping its reason as the cause', async () => {
    const client = new NucleusClient(socketPath);
    try {
      const error = (await client.start('/cells/missing', 'missing', 5000).catch((e: unknown) => e)) as CellError<string>;
      expect(error.code).toBe('CELL_E_UNAVAILABLE');
      expect(error.cause).toMatchObject({ code: 'NoSuchCell', declared: true, details: { cell: '/cells/missing' } });
    } finally {
      await client.close();
    }
  });

  it('passes CELL_E_TIMEOUT on as it is when the start outlasts its deadline', async () => {
    const client = new NucleusClient(socketPath);
    try {
      await expect(client.start('/cells/slow', 'slow', 200)).rejects.toMatchObject({ code: 'CELL_E_TIMEOUT' });
    } finally {
      await client.close();
    }
  });

  it('fails with CELL_E_UNAVAILABLE when no nucleus listens there', async () => {
    const client = new NucleusClient(join(tmp.dir, 'nobody.sock'));
    try {
      await expect(client.start('/cells/stock', 'stock', 2000)).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
    } finally {
      await client.close();
    }
  });

  it('asks where other nodes serve a cell', async () => {
    const client = new NucleusClient(socketPath);
    try {
      expect(await client.resolve('stock', 1, null, ['12D3KooWnode'])).toEqual([candidate]);
      expect(seen.resolve).toEqual([{ name: 'stock', major: 1, via: null, trusted: ['12D3KooWnode'] }]);
    } finally {
      await client.close();
    }
  });

  it('closes without ever having connected', async () => {
    await new NucleusClient(socketPath).close();
  });
});
