import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import type { CellError } from '@cell/protocol';
import { defineContract, type Genome, toGenome, unary } from '@cell/contract';
import { DEFAULT_LIMITS, type SynapsePool } from '@cell/wire';
import { type Membrane, serve } from './membrane.ts';
import type { ConnectOptions } from './options.ts';
import { createPool, type PoolTargets } from './pool-factory.ts';
import { tempDir } from './test-fixtures/harness.ts';

const Caller = Type.Object({ cell: Type.Union([Type.String(), Type.Null()]), replica: Type.Union([Type.String(), Type.Null()]) });
const served = defineContract({
  name: 'ledger',
  version: '1.3.0',
  methods: {
    whoami: unary({ input: Type.Object({}), output: Caller }),
    add: unary({ input: Type.Object({ a: Type.Number(), b: Type.Number() }), output: Type.Number() }),
  },
});

const tmp = tempDir('cell-pool-factory-');
const socketPath = join(tmp.dir, 'ledger.sock');
let membrane: Membrane<typeof served>;
const pools: SynapsePool[] = [];

beforeAll(async () => {
  membrane = await serve(
    served,
    {
      whoami: (_input, ctx) => ({ cell: ctx.caller.cell ?? null, replica: ctx.caller.replica ?? null }),
      add: ({ a, b }) => a + b,
    },
    { socketPath },
  );
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
  await membrane.stop({ graceMs: 100 });
  tmp.remove();
});

const targets: PoolTargets = { endpoints: () => [{ kind: 'unix', path: socketPath }], discovers: false, describe: 'the ledger socket' };

function pool(options: ConnectOptions, local: Genome | undefined): SynapsePool {
  const p = createPool(targets, options, local);
  pools.push(p);
  return p;
}

describe('createPool', () => {
  it('calls a cell whose genome is the one we were built against, telling it who calls', async () => {
    const p = pool({ caller: { cell: 'shop', replica: 'shop-3' } }, toGenome(served));
    expect(await p.unary('add', { a: 2, b: 3 }, undefined)).toBe(5);
    expect(await p.unary('whoami', {}, undefined)).toEqual({ cell: 'shop', replica: 'shop-3' });
  });

  it('takes its default deadline from the options, else from the one limits table', () => {
    expect(pool({ timeoutMs: 1234 }, undefined).defaultTimeoutMs).toBe(1234);
    expect(pool({}, undefined).defaultTimeoutMs).toBe(DEFAULT_LIMITS.callTimeoutMs);
  });

  it('refuses with CELL_E_SCHEMA_MISMATCH a socket that serves another cell, naming both', async () => {
    const other = defineContract({ name: 'billing', version: '1.3.0', methods: {} });
    const error = (await pool({}, toGenome(other)).unary('add', { a: 1, b: 1 }, undefined).catch((e: unknown) => e)) as CellError<string>;
    expect(error.code).toBe('CELL_E_SCHEMA_MISMATCH');
    expect(error.details).toMatchObject({ expected: { name: 'billing', version: '1.3.0' }, actual: { name: 'ledger', version: '1.3.0', fingerprint: toGenome(served).fingerprint }, problems: [] });
  });

  it('refuses with CELL_E_SCHEMA_MISMATCH a cell whose genome breaks ours, listing each breaking change, before any call', async () => {
    const drifted = defineContract({
      name: 'ledger',
      version: '1.2.0',
      methods: { add: unary({ input: Type.Object({ a: Type.String(), b: Type.Number() }), output: Type.Number() }) },
    });
    const before = membrane.inFlight;
    const error = (await pool({}, toGenome(drifted)).unary('add', { a: '1', b: 1 }, undefined).catch((e: unknown) => e)) as CellError<string>;
    expect(error.code).toBe('CELL_E_SCHEMA_MISMATCH');
    const details = error.details as { expected: { version: string }; actual: { version: string }; problems: string[] };
    expect([details.expected.version, details.actual.version]).toEqual(['1.2.0', '1.3.0']);
    expect(details.problems.length).toBeGreaterThan(0);
    expect(membrane.inFlight).toBe(before);
  });

  it('accepts a cell whose genome changed compatibly (it gained a method we do not use)', async () => {
    const older = defineContract({ name: 'ledger', version: '1.0.0', methods: { add: served.methods.add } });
    expect(toGenome(older).fingerprint).not.toBe(toGenome(served).fingerprint);
    expect(await pool({}, toGenome(older)).unary('add', { a: 20, b: 22 }, undefined)).toBe(42);
  });

  it('checks nothing when it has no genome of its own (a dynamic client)', async () => {
    expect(await pool({}, undefined).unary('add', { a: 1, b: 2 }, undefined)).toBe(3);
  });
});
