import { Writable } from 'node:stream';
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from 'typebox';
import { defineContract, unary } from '@cell/contract';
import type { CallResult, SdkError } from './contract-types.ts';
import { createLogger } from './logger.ts';
import { connect } from './synapse.ts';
import { echoContract } from './test-fixtures/echo-contract.ts';
import { startEcho, type EchoHarness } from './test-fixtures/harness.ts';

let h: EchoHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('synapse', () => {
  it('is typed from the contract alone', () => {
    const c = connect(echoContract, { socketPath: '/nonexistent.sock' });
    expectTypeOf(c.echo).parameter(0).toEqualTypeOf<{ text: string }>();
    expectTypeOf(c.count).returns.toEqualTypeOf<AsyncIterable<number>>();
    expectTypeOf(c.sum).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(c.note).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(c.echo.try).returns.resolves.toEqualTypeOf<CallResult<{ text: string }, SdkError>>();
    // @ts-expect-error no such method
    void c.missing;
  });

  it('fails fast with CELL_E_UNAVAILABLE when nothing listens', async () => {
    const c = connect(echoContract, { socketPath: '/tmp/definitely-not-here.sock' });
    await expect(c.echo({ text: 'x' })).rejects.toMatchObject({ code: 'CELL_E_UNAVAILABLE' });
  });

  it('refuses a cell with an incompatible genome before sending any call', async () => {
    h = await startEcho();
    const drifted = defineContract({
      name: 'echo',
      version: '0.9.0',
      methods: { echo: unary({ input: Type.Object({ text: Type.Number() }), output: Type.Object({ text: Type.String() }) }) },
    });
    const c = connect(drifted, { socketPath: h.socketPath });
    const err = await c.echo({ text: 1 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CELL_E_SCHEMA_MISMATCH' });
    expect((err as { message: string }).message).toContain('echo@0.9.0');
    expect((err as { message: string }).message).toContain('echo@1.0.0');
    expect(h.membrane.inFlight).toBe(0);
  });

  it('refuses a socket that serves another cell', async () => {
    h = await startEcho();
    const other = defineContract({ name: 'other', version: '1.0.0', methods: {} });
    await expect(connect(other, { socketPath: h.socketPath }).$connect()).rejects.toMatchObject({ code: 'CELL_E_SCHEMA_MISMATCH' });
  });

  it('fails calls on a closed synapse with CELL_E_CLOSED', async () => {
    h = await startEcho();
    const c = h.client();
    await c.echo({ text: 'x' });
    await c.$close();
    await expect(c.echo({ text: 'y' })).rejects.toMatchObject({ code: 'CELL_E_CLOSED' });
  });

  it('logs JSON lines in the documented schema, with the call’s trace', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
        done();
      },
    });
    const logger = createLogger({ cell: 'echo', replica: 'echo-0', destination: sink });
    h = await startEcho({ logger });
    const c = h.client();
    const trace = 'ab'.repeat(16);
    await expect(c.crash({}, { trace })).rejects.toMatchObject({ code: 'CELL_E_INTERNAL' });
    const line = lines.find((l) => l['msg'] === 'handler failed with an undeclared error');
    expect(line).toMatchObject({ level: 'error', cell: 'echo', replica: 'echo-0', component: 'sdk.membrane', method: 'crash', trace });
    expect(typeof line?.['time']).toBe('number');
    expect(typeof line?.['pid']).toBe('number');
    expect((line?.['err'] as { message: string }).message).toBe('boom');
  });
});
