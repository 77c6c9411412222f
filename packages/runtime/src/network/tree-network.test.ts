import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readLock } from '@cell/codegen';
import { CellError } from '@cell/protocol';
import { readNucleusPointer } from '@cell/host';
import { Nucleus } from '../nucleus/nucleus.ts';
import { runningNucleusPid } from '../nucleus/tree-lock.ts';
import { capturedLogger, cellFiles, cellToml, errorOf, type LogLine, storeGenome, tempDir, useTeardown, within } from '../test-fixtures/temp-cells.ts';
import type { NetworkStatus, TreeNetwork, TreeNetworkContext, TreeNetworkFactory } from './tree-network.ts';

const deferAll = useTeardown('all');
const defer = useTeardown();
const NODE_KEY = '12D3KooWEx896Z4xNYLj5c2qioybsonuRfQu8EDaib7A3hMDNqJX';
const NETWORK = '[network]\nlisten = "127.0.0.1:0"\np2p = "127.0.0.1:0"\n';
const IDENTITY = '/nonexistent/identity.json'; // no cell serves an axon here, so none reads it

/** A network that records what the nucleus asks of it. */
function fakeNetwork() {
  const record = { contexts: [] as TreeNetworkContext[], genomeOf: [] as unknown[], resolve: [] as unknown[], announced: 0, stops: 0 };
  const status: Omit<NetworkStatus, 'refused'> = { node: NODE_KEY, directory: ['127.0.0.1:7700'], p2p: ['/ip4/127.0.0.1/tcp/7701'], peers: 0, known: [] };
  const candidate = { node: NODE_KEY, host: '127.0.0.1', port: 7702, version: '1.2.0', fingerprint: 'f' };
  const network: TreeNetwork = {
    identityFile: IDENTITY,
    resolve: async (...args) => (record.resolve.push(args), [candidate]),
    genomeOf: async (c) => (record.genomeOf.push(c), storeGenome('1.2.0', 'base', 'stock')),
    announceSoon: () => void record.announced++,
    status: () => status,
    stop: async () => {
      record.stops++;
      throw new Error('the network would not let go');
    },
  };
  const factory: TreeNetworkFactory = async (context) => (record.contexts.push(context), network);
  return { factory, record, status, candidate };
}

describe('a tree with [network]', () => {
  let root: string;
  let nucleus: Nucleus;
  let lines: LogLine[];
  const net = fakeNetwork();

  beforeAll(async () => {
    root = tempDir(deferAll, {
      'cell.toml': cellToml('node', { entry: false, extra: NETWORK }),
      ...cellFiles('cells/shop', 'shop', { extra: `[deps]\nstock = { major = 1, trust = ["${NODE_KEY}"] }\n[life_cycle]\ngrace = "1s"` }),
    });
    const captured = capturedLogger();
    lines = captured.lines;
    nucleus = Nucleus.create({ root, logger: captured.logger, network: net.factory });
    deferAll(() => within(nucleus.stop(), 20_000, 'stopping the nucleus').catch(() => nucleus.kill()));
    await within(nucleus.start(), 60_000, 'the tree to start');
  });

  it('joins the network it is given, once, with the tree\'s [network] and root', () => {
    expect(net.record.contexts).toHaveLength(1);
    const ctx = net.record.contexts[0]!;
    expect(ctx.root).toBe(root);
    expect(ctx.config).toMatchObject({ listen: { host: '127.0.0.1', port: 0 }, p2p: { host: '127.0.0.1', port: 0 } });
    expect(ctx.localCells()).toEqual([]); // no cell serves an axon: nothing to offer other nodes
  });

  it('binds dependencies on other nodes to the genome a node trusted to serve it serves', () => {
    expect(net.record.resolve[0]).toEqual(['stock', 1, null]);
    expect(net.record.genomeOf).toEqual([net.candidate]);
    const shop = join(root, 'cells/shop');
    expect(readLock(shop)?.deps['stock']).toMatchObject({ cell: 'stock', version: '1.2.0', fingerprint: storeGenome('1.2.0', 'base', 'stock').fingerprint });
    expect(existsSync(join(shop, '.cell/bindings/stock.ts'))).toBe(true);
    expect(lines.find((l) => l.msg === 'dependency locked')).toMatchObject({ cell: 'shop', dep: 'stock', source: 'live' });
  });

  it('runs its cells as cells of a node: network on, with the node identity', () => {
    const replica = nucleus.status().cells.find((c) => c.name === 'shop')!.replicas[0]!;
    expect(replica.state).toBe('ready');
    const env = readFileSync(`/proc/${replica.pid}/environ`, 'utf8').split('\0');
    expect(env).toEqual(expect.arrayContaining(['CELL_NETWORK=1', `CELL_IDENTITY_FILE=${IDENTITY}`]));
    expect(env.some((e) => e.startsWith('CELL_AXON_HOST='))).toBe(false);
  });

  it('shows the network in its status and tells it when its cells change', () => {
    expect(nucleus.status().network).toMatchObject(net.status);
    expect(net.record.announced).toBeGreaterThan(0);
  });

  it('asks the network for candidates on other nodes', async () => {
    const asked = net.record.resolve.length;
    const verdict = await nucleus.resolve('stock', 1, 'axon://127.0.0.1:7702', null);
    expect(verdict.candidates).toEqual([net.candidate]);
    expect(net.record.resolve.slice(asked)).toEqual([['stock', 1, 'axon://127.0.0.1:7702']]);
  });

  it('leaves the network when it stops, and stops even when leaving fails', async () => {
    await within(nucleus.stop(), 20_000, 'the tree to stop');
    expect(net.record.stops).toBe(1);
    expect(lines.find((l) => l.msg === 'leaving the network failed')).toMatchObject({ level: 'warn' });
    expect(runningNucleusPid(root)).toBeUndefined();
  });
});

describe('a tree with [network] and no network to join', () => {
  const files = { 'cell.toml': cellToml('node', { entry: false, extra: NETWORK }), ...cellFiles('cells/shop', 'shop') };

  it('refuses to start without a network (CELL_E_INVALID_ARGUMENT), leaving nothing behind', async () => {
    const root = tempDir(defer, files);
    const nucleus = Nucleus.create({ root, logger: capturedLogger().logger });
    const err = await errorOf(() => within(nucleus.start(), 20_000, 'the start'));
    expect(err.code).toBe('CELL_E_INVALID_ARGUMENT');
    await within(nucleus.stopped, 5000, 'the nucleus to be stopped');
    expect(runningNucleusPid(root)).toBeUndefined();
    expect(readNucleusPointer(join(root, 'cells/shop'))).toBeUndefined();
    expect(existsSync(join(root, 'run', 'nucleus.sock'))).toBe(false);
  });

  it('fails to start when joining fails, with the network\'s error, leaving nothing behind', async () => {
    const root = tempDir(defer, files);
    const nucleus = Nucleus.create({ root, logger: capturedLogger().logger, network: async () => Promise.reject(new CellError('CELL_E_UNAVAILABLE', 'no peers')) });
    expect((await errorOf(() => within(nucleus.start(), 20_000, 'the start'))).code).toBe('CELL_E_UNAVAILABLE');
    expect(runningNucleusPid(root)).toBeUndefined();
    expect(existsSync(join(root, 'cells/shop/.cell/build/main.mjs'))).toBe(false); // nothing was built
  });
});
