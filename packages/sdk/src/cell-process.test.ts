import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_MS } from '@cell/wire';
import { attachCellProcess, type ManagedMembrane } from './cell-process.ts';
import { createLogger } from './logger.ts';
import { connect } from './synapse.ts';
import { echoContract } from './test-fixtures/echo-contract.ts';
import { tempDir, waitFor } from './test-fixtures/harness.ts';
import { type ForkedChild, forkScript } from './test-fixtures/node-child.ts';

const CELL = fileURLToPath(new URL('./test-fixtures/managed-cell.ts', import.meta.url));
const BOUND_MS = 15_000;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Forks the managed cell with a socket in a fresh directory and waits (bounded) for its ready line. */
async function startCell(env: Record<string, string>): Promise<{ cell: ForkedChild; socketPath: string; ready: Record<string, unknown> }> {
  const tmp = tempDir('cell-process-');
  cleanups.push(tmp.remove);
  const socketPath = join(tmp.dir, 'echo.sock');
  const cell = forkScript(CELL, { CELL_SOCKET: socketPath, ...env });
  cleanups.push(() => cell.kill());
  await waitFor(() => cell.lines.some((l) => l['ready'] === true) || !cell.isAlive(), BOUND_MS, 'the cell to be ready');
  const ready = cell.lines.find((l) => l['ready'] === true);
  if (!ready) throw new Error('the cell exited before it was ready');
  return { cell, socketPath, ready };
}

const stoppingReason = (cell: ForkedChild) => cell.lines.find((l) => l['msg'] === 'cell stopping')?.['reason'];

describe('a cell process under the runtime (CELL_NAME set)', () => {
  it('answers stats requests, and drains on a drain message: calls in flight finish, then it exits 0', async () => {
    const { cell, socketPath } = await startCell({ CELL_NAME: 'echo', CELL_REPLICA: 'echo-0' });
    cell.child.send({ type: 'cell:stats' });
    await waitFor(() => cell.messages.length > 0, BOUND_MS, 'stats');
    expect(cell.messages[0]).toEqual({
      type: 'cell:stats',
      connections: 0,
      axonConnections: 0,
      inFlight: 0,
      lastActivityAt: expect.any(Number),
      deps: {},
      methods: expect.objectContaining({ echo: { ok: 0, errors: {}, buckets: Array(DURATION_BUCKETS_MS.length + 1).fill(0), sumMs: 0 } }),
    });

    const client = connect(echoContract, { socketPath, timeoutMs: BOUND_MS });
    cleanups.push(() => client.$close());
    const call = client.wait({ ms: 1500 }); // long enough to be seen in flight on a busy machine
    const inFlight = () => cell.messages.some((m) => (m as { inFlight?: number }).inFlight === 1);
    for (let i = 0; i < 100 && !inFlight(); i++) {
      cell.child.send({ type: 'cell:stats' });
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(inFlight()).toBe(true);
    cell.child.send({ type: 'cell:drain', graceMs: BOUND_MS });
    expect(await call).toEqual({ aborted: false });
    expect(await cell.exited).toBe(0);
    expect(stoppingReason(cell)).toBe('drain');
    expect(cell.lines.find((l) => l['msg'] === 'cell stopping')).toMatchObject({ level: 'info', cell: 'echo', replica: 'echo-0', component: 'sdk.process' });
    expect(existsSync(socketPath)).toBe(false);
  });

  it('answers span queries by id: the spans of one trace, or none when it keeps none (CELL_SPANS=0)', async () => {
    const { cell, socketPath } = await startCell({ CELL_NAME: 'echo', CELL_REPLICA: 'echo-0' });
    const client = connect(echoContract, { socketPath, timeoutMs: BOUND_MS });
    cleanups.push(() => client.$close());
    const trace = 'ab'.repeat(16);
    await client.echo({ text: 'one' }, { trace });
    await client.echo({ text: 'two' });
    cell.child.send({ type: 'cell:spans', id: 7, trace: 'abab', limit: 10 });
    await waitFor(() => cell.messages.some((m) => (m as { id?: number }).id === 7), BOUND_MS, 'spans');
    const answer = cell.messages.find((m) => (m as { id?: number }).id === 7) as { spans: Array<Record<string, unknown>> };
    expect(answer.spans).toEqual([{ trace, span: expect.stringMatching(/^[0-9a-f]{16}$/), method: 'echo', start: expect.any(Number), durationMs: expect.any(Number), outcome: 'ok' }]);

    const quiet = await startCell({ CELL_NAME: 'echo', CELL_SPANS: '0' });
    const other = connect(echoContract, { socketPath: quiet.socketPath, timeoutMs: BOUND_MS });
    cleanups.push(() => other.$close());
    await other.echo({ text: 'x' }, { trace });
    quiet.cell.child.send({ type: 'cell:spans', id: 1, limit: 10 });
    await waitFor(() => quiet.cell.messages.length > 0, BOUND_MS, 'spans');
    expect(quiet.cell.messages[0]).toEqual({ type: 'cell:spans', id: 1, spans: [] });
  });

  it('exits at once when its nucleus goes away (the IPC channel closes)', async () => {
    const { cell, ready } = await startCell({ CELL_NAME: 'echo' });
    expect(ready['disconnectListeners']).toBeGreaterThan(0);
    cell.child.disconnect();
    expect(await cell.exited).toBe(0);
    expect(stoppingReason(cell)).toBe('nucleus gone');
  });

  it('stops gracefully on SIGTERM', async () => {
    const { cell } = await startCell({ CELL_NAME: 'echo', CELL_GRACE_MS: '1000' });
    cell.child.kill('SIGTERM');
    expect(await cell.exited).toBe(0);
    expect(stoppingReason(cell)).toBe('SIGTERM');
  });

  it('exits on its own after CELL_IDLE_TIMEOUT_MS without connections or calls, telling its nucleus', async () => {
    const { cell, ready } = await startCell({ CELL_NAME: 'echo', CELL_IDLE_TIMEOUT_MS: '300', TEST_HOLD_CONNECTION: '1' });
    expect(ready['connections']).toBe(1);
    await new Promise((r) => setTimeout(r, 900)); // three idle timeouts, with a connection open
    expect(cell.isAlive()).toBe(true);
    expect(cell.messages).toEqual([]);
    cell.child.send({ type: 'test:release' });
    expect(await cell.exited).toBe(0);
    expect(cell.messages).toEqual([{ type: 'cell:apoptosis', idleMs: 300 }]);
    expect(stoppingReason(cell)).toBe('idle');
  });
});

describe('a cell process started by hand (no CELL_NAME)', () => {
  it('leaves the process alone: no handlers for signals, nucleus messages or a lost channel', () => {
    expect(process.env['CELL_NAME']).toBeUndefined(); // this test process is no managed cell
    const events = ['message', 'disconnect', 'SIGTERM', 'SIGINT'] as const;
    const before = events.map((e) => process.listenerCount(e));
    const membrane: ManagedMembrane = { connections: 0, axonConnections: 0, inFlight: 0, lastActivityAt: 0, axonPort: undefined, methods: new Map(), spans: undefined, stop: () => Promise.resolve() };
    attachCellProcess(membrane, createLogger({ level: 'silent' }));
    expect(events.map((e) => process.listenerCount(e))).toEqual(before);
  });
});
