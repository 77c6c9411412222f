import { Writable } from 'node:stream';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Type } from 'typebox';
import type { CallHandle, ContextHost } from '@cell/wire';
import { CallContext } from './call-context.ts';
import type { DeclaredError } from './declared-error.ts';
import { createLogger } from './logger.ts';

const errors = { OutOfStock: Type.Object({ available: Type.Integer() }), Frozen: Type.Null() };

function context(deadline = Infinity) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  const controller = new AbortController();
  const call: CallHandle = { method: 'reserve', deadline, signal: controller.signal };
  const emitted: Array<[string, unknown]> = [];
  const host: ContextHost = { caller: { cell: 'shop', replica: 'shop-1' }, emitChecked: (event, payload) => void emitted.push([event, payload]) };
  const trace = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const ctx = new CallContext<typeof errors>(call, trace, host, createLogger({ cell: 'stock', destination: sink }));
  return { ctx, lines, controller, emitted, trace };
}

describe('CallContext', () => {
  it('tells the handler its method, caller, trace and signal', () => {
    const { ctx, controller, trace } = context();
    expect(ctx.method).toBe('reserve');
    expect(ctx.caller).toEqual({ cell: 'shop', replica: 'shop-1' });
    expect(ctx.traceId).toBe(trace);
    expect(ctx.trace).toBe('0123456789abcdef0123456789abcdef');
    expect(ctx.signal.aborted).toBe(false);
    controller.abort();
    expect(ctx.signal.aborted).toBe(true);
  });

  it('has no deadline and no time limit when the caller set none', () => {
    const { ctx } = context();
    expect(ctx.deadline).toBeUndefined();
    expect(ctx.timeoutMs).toBeUndefined();
  });

  it('tells what is left of the deadline, never less than 0', () => {
    const deadline = Date.now() + 60_000;
    const { ctx } = context(deadline);
    expect(ctx.deadline).toBe(deadline);
    expect(ctx.timeoutMs).toBeGreaterThan(30_000); // generous: time passes between the two reads
    expect(ctx.timeoutMs).toBeLessThanOrEqual(60_000);
    expect(context(Date.now() - 1000).ctx.timeoutMs).toBe(0);
  });

  it('is valid call options for a nested call: trace, remaining deadline, cancellation', () => {
    const { ctx } = context(Date.now() + 5000);
    const options: { signal?: AbortSignal; timeoutMs?: number; trace?: string; traceId?: Buffer } = ctx;
    expect(options.traceId).toHaveLength(16);
    expect(options.trace).toMatch(/^[0-9a-f]{32}$/);
    expect(options.signal).toBe(ctx.signal);
  });

  it('logs with the call’s method and trace on every line', () => {
    const { ctx, lines } = context();
    ctx.log.info({ sku: 'mug' }, 'reserved');
    expect(ctx.log).toBe(ctx.log); // one child logger per call, made on first use
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', msg: 'reserved', cell: 'stock', method: 'reserve', trace: '0123456789abcdef0123456789abcdef', sku: 'mug' });
  });

  it('builds declared errors, typed by the method, with the code as the default message', () => {
    const { ctx } = context();
    const e = ctx.fail('OutOfStock', { available: 2 });
    expect(e).toMatchObject({ code: 'OutOfStock', declared: true, details: { available: 2 }, message: 'OutOfStock' });
    expect(Object.keys(errors)).toContain(e.code);
    expect(ctx.fail('Frozen', null, 'the sku is frozen').message).toBe('the sku is frozen');
    expectTypeOf(e).toEqualTypeOf<DeclaredError<'OutOfStock', { available: number }>>();
    // @ts-expect-error not one of the method's declared errors
    ctx.fail('Undeclared', {});
    // @ts-expect-error details must match the declared schema
    ctx.fail('OutOfStock', { available: 'two' });
  });

  it('sends an event to this caller only, through its connection', () => {
    const { ctx, emitted } = context();
    ctx.emit('low', { sku: 'mug' });
    expect(emitted).toEqual([['low', { sku: 'mug' }]]);
  });
});
