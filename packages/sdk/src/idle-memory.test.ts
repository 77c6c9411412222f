import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_TRIM_MS } from '@cell/host';
import { IDLE_LOOP_SHARE, IdleTrim, memoryTrimMs, reduceHeap } from './idle-memory.ts';
import { connect } from './synapse.ts';
import { echoContract } from './test-fixtures/echo-contract.ts';
import { tempDir, waitFor } from './test-fixtures/harness.ts';
import { type ForkedChild, forkScript } from './test-fixtures/node-child.ts';

const quiet = () => 0;

describe('when an idle cell gives memory back', () => {
  it('once a spell without calls has lasted its time, then not again until calls come and go', () => {
    const trim = new IdleTrim(1000);
    const cell = { inFlight: 0, callsStarted: 3 };
    expect(trim.check(cell, 0, quiet)).toBe(false); // the spell begins
    expect(trim.check(cell, 999, quiet)).toBe(false);
    expect(trim.check(cell, 1000, quiet)).toBe(true);
    expect(trim.check(cell, 5000, quiet)).toBe(false); // once per spell
    cell.callsStarted++;
    expect(trim.check(cell, 5100, quiet)).toBe(false); // a call: a new spell
    expect(trim.check(cell, 6000, quiet)).toBe(false);
    expect(trim.check(cell, 6100, quiet)).toBe(true);
  });

  it('never while a call is in flight, however long it runs', () => {
    const trim = new IdleTrim(1000);
    const cell = { inFlight: 1, callsStarted: 1 };
    for (let t = 0; t <= 10_000; t += 250) expect(trim.check(cell, t, quiet)).toBe(false);
    cell.inFlight = 0;
    expect(trim.check(cell, 10_250, quiet)).toBe(false);
    expect(trim.check(cell, 11_250, quiet)).toBe(true);
  });

  it('not while the event loop works without calls (timers, background work), but after a quiet spell', () => {
    const trim = new IdleTrim(1000);
    const cell = { inFlight: 0, callsStarted: 0 };
    let share = IDLE_LOOP_SHARE * 5;
    const loop = () => share;
    expect(trim.check(cell, 0, loop)).toBe(false);
    expect(trim.check(cell, 1000, loop)).toBe(false); // busy: the spell starts again here
    share = IDLE_LOOP_SHARE / 2;
    expect(trim.check(cell, 1500, loop)).toBe(false);
    expect(trim.check(cell, 2000, loop)).toBe(true);
  });

  it('waits CELL_MEMORY_TRIM_MS when given (0: never), else 5 s in a cell the runtime started, else never', () => {
    expect(memoryTrimMs({ name: undefined, memoryTrimMs: undefined })).toBe(0);
    expect(memoryTrimMs({ name: 'echo', memoryTrimMs: undefined })).toBe(DEFAULT_MEMORY_TRIM_MS);
    expect(DEFAULT_MEMORY_TRIM_MS).toBe(5000);
    expect(memoryTrimMs({ name: 'echo', memoryTrimMs: 0 })).toBe(0);
    expect(memoryTrimMs({ name: undefined, memoryTrimMs: 200 })).toBe(200);
  });

  it("reduceHeap() shrinks V8's young generation back after it grew", () => {
    const youngBytes = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.physical_space_size;
    // Objects that live a little while make V8 grow the young generation.
    let kept: object[] = [];
    for (let i = 0; i < 300_000; i++) {
      kept.push({ i, text: `item ${i}` });
      if (kept.length > 50_000) kept = [];
    }
    kept.length = 0;
    const grown = youngBytes();
    expect(grown).toBeGreaterThan(2 << 20);
    reduceHeap();
    expect(youngBytes()).toBeLessThan(grown / 2);
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined(); // the cell's global scope gets no gc()
  });
});

describe('a cell process under the runtime', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  const BOUND_MS = 15_000;
  const CELL = fileURLToPath(new URL('./test-fixtures/managed-cell.ts', import.meta.url));
  const trims = (cell: ForkedChild) => cell.lines.filter((l) => l['msg'] === 'memory trimmed');

  it('trims its memory once after a call and a quiet spell (CELL_MEMORY_TRIM_MS), and logs what it gave back', async () => {
    const tmp = tempDir('idle-memory-');
    cleanups.push(tmp.remove);
    const socketPath = join(tmp.dir, 'echo.sock');
    const cell = forkScript(CELL, { CELL_SOCKET: socketPath, CELL_NAME: 'echo', CELL_MEMORY_TRIM_MS: '200', CELL_LOG_LEVEL: 'debug' });
    cleanups.push(() => cell.kill());
    await waitFor(() => trims(cell).length === 1 || !cell.isAlive(), BOUND_MS, 'a trim after start');
    const client = connect(echoContract, { socketPath, timeoutMs: BOUND_MS });
    cleanups.push(() => client.$close());
    expect(await client.echo({ text: 'hi' })).toEqual({ text: 'hi' });
    await waitFor(() => trims(cell).length === 2 || !cell.isAlive(), BOUND_MS, 'a trim after the call');
    for (const line of trims(cell)) {
      expect(line).toMatchObject({ level: 'debug', component: 'sdk.memory', cell: 'echo', heapBefore: expect.any(Number), heapAfter: expect.any(Number), mallocTrimmed: true, ms: expect.any(Number) });
    }
    // Started from TypeScript sources, the first trim gives back about half the heap (30 -> 15 MB here).
    const [first] = trims(cell);
    expect(first!['heapAfter'] as number).toBeLessThan((first!['heapBefore'] as number) * 0.8);
  });
});
