// A cell that manages its own sub-cells through its nucleus (cells.scale): real nucleus, real
// processes; the pool scales its workers up under load and back down when idle.
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { nucleusContract } from '@cell/host';
import { connect, connectDynamic } from '@cell/sdk';
import { capturedLogger, cellToml, tempDir, useTeardown, waitFor, within } from '../test-fixtures/temp-cells.ts';
import { Nucleus } from './nucleus.ts';
import { judgeScale } from './scale-policy.ts';

const deferAll = useTeardown('all');

const WORKER_CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
export const workerContract = defineContract({ name: 'worker', version: '1.0.0', methods: { work: unary({ input: Type.Object({}), output: Type.Object({ replica: Type.String() }) }) } });
`;
const WORKER_MAIN = `import { serve } from '@cell/sdk';
import { workerContract } from './contract.ts';
await serve(workerContract, { work: async () => { await new Promise((r) => setTimeout(r, 20)); return { replica: process.env.CELL_REPLICA ?? '' }; } });
`;
const POOL_CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
export const contract = defineContract({ name: 'pool', version: '1.0.0', methods: {
  submit: unary({ input: Type.Object({ jobs: Type.Integer({ minimum: 1, maximum: 100 }) }), output: Type.Object({ workers: Type.Integer(), servedBy: Type.Array(Type.String()) }) }),
  rest: unary({ input: Type.Object({}), output: Type.Object({}) }),
  wake: unary({ input: Type.Object({}), output: Type.Object({ ready: Type.Integer() }) }),
} });
`;
// Under load, one worker per two jobs (up to 4), each of them asked once by its own socket (so the
// answer proves every new replica serves); idle for 300 ms, back to one.
const POOL_MAIN = `import { cells, connect, connectDynamic, serve } from '@cell/sdk';
import { contract } from './contract.ts';
import { workerContract } from '../cells/worker/src/contract.ts';
const worker = connect(workerContract, { cell: './cells/worker' });
let idle;
await serve(contract, {
  submit: async ({ jobs }) => {
    clearTimeout(idle);
    const { replicas } = await cells.scale('worker', Math.min(4, Math.ceil(jobs / 2)));
    await Promise.all(Array.from({ length: jobs }, () => worker.work({})));
    const servedBy = [];
    for (let i = 0; i < replicas; i++) {
      const one = connectDynamic({ socketPath: './cells/worker/run/worker-' + i + '.sock' });
      servedBy.push((await one.call('work', {})).replica);
      await one.$close();
    }
    idle = setTimeout(() => void cells.scale('worker', 1), 300);
    return { workers: replicas, servedBy };
  },
  rest: async () => (await cells.stop('worker'), {}),
  wake: () => cells.start('worker'),
});
`;

describe('a cell scaling its own sub-cells', () => {
  let root: string;
  let nucleus: Nucleus;
  const worker = () => nucleus.status().cells.find((c) => c.name === 'worker')!;
  beforeAll(async () => {
    root = tempDir(deferAll, {
      'cell.toml': `${cellToml('tree', { entry: false })}[resources]\nmemory = "600MB"\n`,
      'cells/pool/cell.toml': cellToml('pool'),
      'cells/pool/src/contract.ts': POOL_CONTRACT,
      'cells/pool/src/main.ts': POOL_MAIN,
      'cells/pool/cells/worker/cell.toml': `${cellToml('worker')}[resources]\nmemory = "128MB"\n`,
      'cells/pool/cells/worker/src/contract.ts': WORKER_CONTRACT,
      'cells/pool/cells/worker/src/main.ts': WORKER_MAIN,
    });
    nucleus = Nucleus.create({ root, logger: capturedLogger().logger, typecheck: false });
    deferAll(() => within(nucleus.stop(), 20_000, 'the tree to stop').catch(() => nucleus.kill()));
    await within(nucleus.start(), 90_000, 'the tree to start');
  }, 120_000);

  it('scales its workers up under load, the new ones serving, and down again when idle', async () => {
    expect(worker().replicasWanted).toBe(1);
    const pool = connectDynamic({ socketPath: join(root, 'cells/pool/run/pool-0.sock'), timeoutMs: 60_000 });
    deferAll(() => pool.$close());
    const busy = (await pool.call('submit', { jobs: 8 })) as { workers: number; servedBy: string[] };
    expect(busy).toEqual({ workers: 4, servedBy: ['worker-0', 'worker-1', 'worker-2', 'worker-3'] });
    const down = await waitFor('the workers to scale down', () => worker().replicasWanted === 1 && worker(), 10_000);
    expect(down.replicas.map((r) => r.id)).toEqual(['worker-0']);
  });

  it('stops its workers and starts them again', async () => {
    const pool = connectDynamic({ socketPath: join(root, 'cells/pool/run/pool-0.sock'), timeoutMs: 60_000 });
    deferAll(() => pool.$close());
    await pool.call('rest', {});
    expect(worker()).toMatchObject({ state: 'stopped', replicas: [{ state: 'stopped', pid: null }] });
    expect(await pool.call('wake', {})).toEqual({ ready: 1 });
    expect(worker()).toMatchObject({ state: 'ready' });
  });

  it('refuses a caller that is not the parent, and a size beyond the root\'s [resources]', async () => {
    const asking = (cell: string) => {
      const client = connect(nucleusContract, { socketPath: join(root, 'run', 'nucleus.sock'), caller: { cell }, timeoutMs: 30_000 });
      deferAll(() => client.$close());
      return client;
    };
    const stranger = await asking('intruder').scale.try({ cell: 'worker', replicas: 2 });
    expect(stranger).toMatchObject({ ok: false, error: { code: 'NotYourCell', details: { cell: 'worker', parent: 'pool', caller: 'intruder' } } });
    const tooMany = await asking('pool').scale.try({ cell: 'worker', replicas: 5 });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'OverCapacity', details: { resource: 'memory', asked: 5 * 128_000_000, allowed: 600_000_000 } } });
    expect(worker().replicasWanted).toBe(1);
    expect(await asking('intruder').stopCell.try({ cell: 'worker' })).toMatchObject({ ok: false, error: { code: 'NotYourCell' } });
    expect(worker().state).toBe('ready');
  });
});

describe('judgeScale', () => {
  it('counts every cell of the tree at its replicas, the target at the size asked', () => {
    const node = (name: string, memory: number | undefined, children: unknown[] = []) => ({ name, children, replicas: 1, config: { resources: { memory: { max: memory }, cpu: { max: undefined } } } });
    const worker = node('worker', 100);
    const other = node('other', 50);
    const pool = node('pool', undefined, [worker]);
    const root = { ...node('root', undefined, [pool, other]), config: { resources: { memory: { max: 500 }, cpu: { max: undefined } } } };
    const tree = { root, nodes: [root, pool, worker, other] } as never;
    const replicas = (n: { name: string }) => (n.name === 'other' ? 2 : 1);
    expect(judgeScale(tree, worker as never, 4, 'pool', replicas as never)).toBeUndefined(); // 400 + 100 = 500
    expect(judgeScale(tree, worker as never, 5, 'pool', replicas as never)).toEqual({ error: 'OverCapacity', details: { resource: 'memory', asked: 600, allowed: 500 } });
    expect(judgeScale(tree, worker as never, 2, undefined, replicas as never)).toMatchObject({ error: 'NotYourCell' });
  });
});
