import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { defineContract, unary } from '@cell/contract';
import { serve, type Membrane } from './membrane.ts';
import { connect } from './synapse.ts';
import { startEcho, tempDir, waitFor, type EchoHarness } from './test-fixtures/harness.ts';

/** A cell whose handler calls the echo cell twice with its own context, and once without. */
const frontContract = defineContract({
  name: 'front',
  version: '1.0.0',
  methods: { relay: unary({ input: Type.Object({ text: Type.String() }), output: Type.Object({ text: Type.String() }) }) },
});

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function started(echoOptions: { spans?: number } = {}): Promise<{ echo: EchoHarness; front: Membrane<typeof frontContract>; frontSocket: string }> {
  const echo = await startEcho(echoOptions);
  cleanups.push(() => echo.close());
  const toEcho = echo.client();
  const tmp = tempDir();
  cleanups.push(tmp.remove);
  const frontSocket = join(tmp.dir, 'front.sock');
  const front = await serve(
    frontContract,
    {
      relay: async ({ text }, ctx) => {
        await toEcho.echo({ text }, ctx);
        await toEcho.divide.try({ a: 1, b: 0 }, ctx);
        await toEcho.note({ text }, ctx); // a notification in the same trace
        return toEcho.echo({ text: text.toUpperCase() }, ctx);
      },
    },
    { socketPath: frontSocket },
  );
  cleanups.push(() => front.stop({ graceMs: 100 }));
  return { echo, front, frontSocket };
}

describe('spans', () => {
  it('records each call with its trace, and the calls a handler makes with its context as its children', async () => {
    const { echo, front, frontSocket } = await started();
    const client = connect(frontContract, { socketPath: frontSocket });
    cleanups.push(() => client.$close());
    const trace = '0f'.repeat(16);
    expect(await client.relay({ text: 'hi' }, { trace })).toEqual({ text: 'HI' });

    const [root] = front.spans!.find({ trace, limit: 10 });
    expect(root).toEqual({ trace, span: expect.stringMatching(/^[0-9a-f]{16}$/), method: 'relay', start: expect.any(Number), durationMs: expect.any(Number), outcome: 'ok' });
    expect(root!.parent).toBeUndefined();
    await waitFor(() => echo.membrane.spans!.find({ trace, limit: 10 }).length === 4, 5000, 'the notification\'s span');
    const children = echo.membrane.spans!.find({ trace, limit: 10 });
    expect(children.map((s) => [s.method, s.outcome, s.parent]).sort()).toEqual([
      ['divide', 'DivideByZero', root!.span],
      ['echo', 'ok', root!.span],
      ['echo', 'ok', root!.span],
      ['note', 'ok', root!.span],
    ]);
    expect(new Set(children.map((s) => s.span)).size).toBe(4);
    for (const child of children) {
      expect(child.start).toBeGreaterThanOrEqual(root!.start);
      expect(child.start + child.durationMs).toBeLessThanOrEqual(root!.start + root!.durationMs + 1);
    }
  });

  it('records refused calls as spans of no duration with the refusal', async () => {
    const echo = await startEcho();
    cleanups.push(() => echo.close());
    const trace = '1e'.repeat(16);
    const raw = echo.client();
    await expect(raw.echo({ text: 5 } as never, { trace })).rejects.toMatchObject({ code: 'CELL_E_INVALID_INPUT' });
    expect(echo.membrane.spans!.find({ trace, limit: 5 })).toEqual([expect.objectContaining({ method: 'echo', durationMs: 0, outcome: 'CELL_E_INVALID_INPUT' })]);
  });

  it('keeps none with spans: 0, and a caller then sends calls no parent', async () => {
    const { echo, front, frontSocket } = await started({ spans: 0 });
    expect(echo.membrane.spans).toBeUndefined();
    const client = connect(frontContract, { socketPath: frontSocket });
    cleanups.push(() => client.$close());
    await client.relay({ text: 'x' });
    expect(front.spans!.find({ limit: 10 })).toHaveLength(1);
  });

  it('keeps only the newest `spans` calls', async () => {
    const echo = await startEcho({ spans: 3 });
    cleanups.push(() => echo.close());
    const c = echo.client();
    for (let i = 0; i < 5; i++) await c.echo({ text: String(i) });
    const kept = echo.membrane.spans!.find({ limit: 100 });
    expect(kept).toHaveLength(3);
    expect(kept[0]!.start).toBeLessThanOrEqual(kept[2]!.start);
  });
});

