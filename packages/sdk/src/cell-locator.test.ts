import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineContract, toGenome } from '@cell/contract';
import { nucleusContract } from '@cell/host';
import { type Endpoint, peerIdFromKey } from '@cell/wire';
import { locate } from './cell-locator.ts';
import type { Handlers } from './contract-types.ts';
import { type Membrane, serve } from './membrane.ts';
import { tempDir } from './test-fixtures/harness.ts';

// The launch environment is read once per process (and each test file runs in its own process):
// it is set here before anything reads it, and restored afterwards.

function nodeKey(): { key: Buffer; peerId: string } {
  const spki = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' });
  const key = Buffer.from(spki.subarray(spki.length - 32));
  return { key, peerId: peerIdFromKey(key) };
}

const tmp = tempDir('cell-locator-');
const paymentsDir = join(tmp.dir, 'payments');
const trusted = nodeKey();
const stranger = nodeKey();
const pinned = nodeKey();
const nucleusSocket = join(tmp.dir, 'run', 'nucleus.sock');
const ENV = {
  CELL_DEPS: JSON.stringify({
    pay: { name: 'payments', dir: paymentsDir },
    stock: { name: 'stock', trust: [trusted.peerId] },
    remote: { name: 'ledger', axon: `axon://${pinned.peerId}@10.0.0.9:7700` },
  }),
  CELL_NUCLEUS_SOCKET: nucleusSocket,
  CELL_NETWORK: '1',
};
const saved = Object.fromEntries(Object.keys(ENV).map((k) => [k, process.env[k]]));

const asked = { start: [] as string[], resolve: [] as unknown[] };
let nucleus: Membrane<typeof nucleusContract>;

beforeAll(async () => {
  Object.assign(process.env, ENV);
  const start: Handlers<typeof nucleusContract>['start'] = ({ cell }) => {
    asked.start.push(cell);
    return { ready: 1 };
  };
  const resolve: Handlers<typeof nucleusContract>['resolve'] = (input) => {
    asked.resolve.push(input);
    const at = (node: string, port: number) => ({ node, host: '10.0.0.7', port, version: '2.1.0', fingerprint: 'sha256:x' });
    // A nucleus filters by trust too; the locator must not rely on it.
    return { candidates: [at(trusted.peerId, 7701), at(stranger.peerId, 7702), at(pinned.peerId, 7703)], refused: [] };
  };
  const unused = () => {
    throw new Error('not used here');
  };
  const handlers = { ...Object.fromEntries(Object.keys(nucleusContract.methods).map((m) => [m, unused])), start, resolve } as Handlers<typeof nucleusContract>;
  nucleus = await serve(nucleusContract, handlers, { socketPath: nucleusSocket });
  mkdirSync(join(paymentsDir, 'run'), { recursive: true });
  for (const f of ['payments-0.sock', 'payments-1.sock', 'payments-v1-0.sock', 'payments.log', 'other-0.sock']) writeFileSync(join(paymentsDir, 'run', f), '');
});

afterAll(async () => {
  await nucleus?.stop({ graceMs: 100 });
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  tmp.remove();
});

const genome = (name: string, version = '2.0.0') => toGenome(defineContract({ name, version, methods: {} }));
const paths = (endpoints: Endpoint[]) => endpoints.map((e) => (e.kind === 'unix' ? e.path.slice(paymentsDir.length + 1) : `${e.host}:${e.port}`)).sort();

function refusal(find: () => unknown): { code: string; details: unknown } {
  try {
    find();
  } catch (err) {
    return err as { code: string; details: unknown };
  }
  throw new Error('it was found');
}

describe('locate', () => {
  it('takes one exact socket, with no discovery and no on-demand start', () => {
    const t = locate({ socketPath: '/run/x.sock' }, genome('payments'));
    expect(t.endpoints()).toEqual([{ kind: 'unix', path: '/run/x.sock' }]);
    expect([t.discovers, t.startCell, t.dependency]).toEqual([false, undefined, undefined]);
  });

  it('takes one exact axon, pinned to the key given (or trusted on first use)', () => {
    const t = locate({ axon: { host: '10.0.0.2', port: 7700, key: pinned.peerId } }, undefined);
    expect(t.endpoints()).toEqual([{ kind: 'axon', host: '10.0.0.2', port: 7700, key: pinned.key, node: pinned.peerId }]);
    expect(t.discovers).toBe(false);
    expect(locate({ axon: { host: 'h', port: 1 } }, undefined).endpoints()).toEqual([{ kind: 'axon', host: 'h', port: 1, key: undefined, node: undefined }]);
    expect(refusal(() => locate({ axon: { host: 'h', port: 1, key: 'not-a-key' } }, undefined)).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it("finds a dependency by its name in the consumer's [deps]: its replicas' sockets, started on demand", async () => {
    const t = locate({ cell: 'pay' }, genome('payments'));
    expect(paths(t.endpoints())).toEqual(['run/payments-0.sock', 'run/payments-1.sock']);
    expect([t.discovers, t.dependency]).toEqual([true, 'pay']);
    await t.startCell!(5000);
    expect(asked.start).toEqual([paymentsDir]); // through our own nucleus
    expect(locate({ cell: 'pay', startOnDemand: false }, genome('payments')).startCell).toBeUndefined();
  });

  it('prefers the replicas of the major version it was built for when an older major runs beside a newer one', () => {
    expect(paths(locate({ cell: 'pay' }, genome('payments', '1.4.0')).endpoints())).toEqual(['run/payments-v1-0.sock']);
  });

  it("uses the contract's name as the dependency name by default", () => {
    const stock = locate({}, genome('stock'));
    expect(stock.dependency).toBe('stock');
    expect(stock.endpoints()).toEqual([]); // found by name on the network only: no local directory
    expect(stock.startCell).toBeUndefined();
  });

  it('asks our nucleus for a dependency on other nodes, and never keeps a node the dependency does not trust', async () => {
    const candidates = await locate({}, genome('stock')).remoteEndpoints!();
    expect(asked.resolve.at(-1)).toEqual({ name: 'stock', major: 2, via: null, trusted: [trusted.peerId] });
    expect(candidates).toEqual([{ kind: 'axon', host: '10.0.0.7', port: 7701, key: trusted.key, node: trusted.peerId }]);
  });

  it('asks through the static address of a dependency that has one, keeping whoever serves there', async () => {
    const candidates = await locate({ cell: 'remote' }, undefined).remoteEndpoints!();
    expect(asked.resolve.at(-1)).toEqual({ name: 'ledger', major: null, via: `axon://${pinned.peerId}@10.0.0.9:7700`, trusted: null });
    expect(candidates.map((c) => (c.kind === 'axon' ? c.node : undefined))).toEqual([trusted.peerId, stranger.peerId, pinned.peerId]);
  });

  it('finds a cell by its directory when given its name, started through the nucleus its directory points to', async () => {
    const t = locate({ cell: paymentsDir, name: 'payments' }, undefined);
    expect(paths(t.endpoints())).toEqual(['run/payments-0.sock', 'run/payments-1.sock']);
    expect(t.dependency).toBeUndefined();
    const error = (await t.startCell!(1000).catch((e: unknown) => e)) as { code: string; details: unknown };
    expect(error).toMatchObject({ code: 'CELL_E_UNAVAILABLE', details: { cell: 'payments', dir: paymentsDir } }); // no run/nucleus.json there
    expect(refusal(() => locate({ cell: paymentsDir }, undefined)).code).toBe('CELL_E_INVALID_ARGUMENT');
  });

  it('refuses a name that is no dependency, and a synapse with nothing to go on', () => {
    expect(refusal(() => locate({ cell: 'nope' }, undefined))).toMatchObject({ code: 'CELL_E_INVALID_ARGUMENT', details: { target: 'nope' } });
    expect(refusal(() => locate({}, undefined)).code).toBe('CELL_E_INVALID_ARGUMENT');
  });
});
