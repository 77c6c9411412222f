import { afterEach, describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { createLogger } from '@cell/sdk';
import { SpanLog } from '@cell/wire';
import type { CellSupervisor } from '../nucleus/cell-supervisor.ts';
import type { SpanQuery } from '../nucleus/supervised-process.ts';
import { attribute, type OtlpCollector, startOtlpCollector } from '../test-fixtures/otlp-collector.ts';
import { openOtlpSink } from './otlp-sink.ts';
import { otlpEndpoint } from './open-span-export.ts';
import { SpanExport, type SpanSink } from './span-export.ts';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A supervisor of one replica whose spans live in a real SpanLog (what a cell process answers over IPC). */
function replicaOf(cell: string, log: SpanLog, pid = 1000): CellSupervisor {
  const process = { pid, isRunning: true, spans: async (q: SpanQuery) => ({ ...log.since(q.after ?? 0, q.limit) }) };
  return { name: cell, processes: () => [{ id: `${cell}-0`, process }] } as unknown as CellSupervisor;
}

const lines: Array<Record<string, unknown>> = [];
const log = createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) } } as never);

const TRACE = Buffer.alloc(16, 0x5a);
const ROOT = Buffer.from('00000000000000aa', 'hex');

async function collector(): Promise<OtlpCollector> {
  const c = await startOtlpCollector();
  cleanups.push(() => c.close());
  return c;
}

describe('span export over OTLP/HTTP (the official exporter, a real HTTP receiver)', () => {
  it('sends each span once as a SERVER span of its cell, parent linked, outcome as status', async () => {
    const c = await collector();
    const orders = new SpanLog(8);
    const payments = new SpanLog(8);
    orders.add(TRACE, undefined, 0xaa, 'place', 1_700_000_000_000, 5, 'PaymentFailed', undefined);
    payments.add(TRACE, ROOT, 0xbb, 'charge', 1_700_000_000_001, 2, 'CardDeclined', { cell: 'orders' });
    const sink = await openOtlpSink(`${c.url}/v1/traces`, '0.0.0-test');
    const exporter = new SpanExport(() => [replicaOf('orders', orders, 1), replicaOf('payments', payments, 2)], sink, log);
    await exporter.poll();
    await exporter.poll(); // nothing new: nothing sent again
    expect(c.spans).toHaveLength(2);
    expect(c.contentTypes[0]).toMatch(/^application\/json/);
    const place = c.spans.find((s) => s.name === 'orders/place')!;
    const charge = c.spans.find((s) => s.name === 'payments/charge')!;
    expect(place).toMatchObject({ service: 'orders', traceId: '5a'.repeat(16), kind: 2, status: { code: 2, message: 'PaymentFailed' } });
    expect(place.spanId).toMatch(/^[0-9a-f]{8}000000aa$/);
    expect(place.parentSpanId ?? '').toBe('');
    expect(charge).toMatchObject({ service: 'payments', traceId: '5a'.repeat(16), parentSpanId: '00000000000000aa' });
    expect([attribute(charge, 'rpc.system'), attribute(charge, 'rpc.method'), attribute(charge, 'cell.caller'), attribute(charge, 'cell.replica')]).toEqual(['cell', 'charge', 'orders', 'payments-0']);
    expect(BigInt(charge.endTimeUnixNano) - BigInt(charge.startTimeUnixNano)).toBe(2_000_000n);
    expect(exporter.counts).toEqual({ exported: 2, dropped: 0 });

    payments.add(TRACE, ROOT, 0xcc, 'charge', 1_700_000_000_010, 1, 'ok', { cell: 'orders' });
    await exporter.stop(); // a last poll, then the exporter shuts down
    expect(c.spans.map((s) => s.name)).toEqual(['orders/place', 'payments/charge', 'payments/charge']);
    expect(c.spans[2]!.status.code).toBe(1);
  });

  it('counts and logs what a replica overwrote between polls, and what a failing collector refused, then recovers', async () => {
    const c = await collector();
    const ring = new SpanLog(2);
    const exporter = new SpanExport(() => [replicaOf('busy', ring)], await openOtlpSink(`${c.url}/v1/traces`, '0.0.0-test'), log);
    cleanups.push(() => exporter.stop());
    for (let i = 1; i <= 5; i++) ring.add(TRACE, undefined, i, 'm', 1_700_000_000_000 + i, 1, 'ok', undefined);
    await exporter.poll();
    expect(c.spans.map((s) => s.spanId.slice(8))).toEqual(['00000004', '00000005']);
    expect(exporter.counts).toEqual({ exported: 2, dropped: 3 });
    expect(lines.some((l) => l['msg'] === 'spans were overwritten before they could be exported (raise [observe] spans)' && l['dropped'] === 3)).toBe(true);

    c.failing = true;
    ring.add(TRACE, undefined, 6, 'm', 1_700_000_000_006, 1, 'ok', undefined);
    await exporter.poll();
    expect(exporter.counts.dropped).toBe(4);
    expect(lines.filter((l) => l['msg'] === 'span export failed; retrying with the next batch')).toHaveLength(1);
    c.failing = false;
    ring.add(TRACE, undefined, 7, 'm', 1_700_000_000_007, 1, 'ok', undefined);
    await exporter.poll();
    expect(c.spans).toHaveLength(3);
    expect(lines.some((l) => l['msg'] === 'span export works again')).toBe(true);
  });

  it('starts over with a replica replaced by a new process (its cursor belongs to the old one)', async () => {
    const delivered: string[] = [];
    const sink: SpanSink = { export: async (spans) => void delivered.push(...spans.map((s) => s.span.slice(8))), shutdown: async () => undefined };
    let ring = new SpanLog(4);
    let pid = 10;
    const sup = { name: 'c', processes: () => [{ id: 'c-0', process: { pid, isRunning: true, spans: async (q: SpanQuery) => ring.since(q.after ?? 0, q.limit) } }] } as unknown as CellSupervisor;
    const exporter = new SpanExport(() => [sup], sink, log);
    ring.add(TRACE, undefined, 1, 'm', 1, 1, 'ok', undefined);
    ring.add(TRACE, undefined, 2, 'm', 2, 1, 'ok', undefined);
    await exporter.poll();
    ring = new SpanLog(4);
    pid = 11;
    ring.add(TRACE, undefined, 3, 'm', 3, 1, 'ok', undefined);
    await exporter.poll();
    expect(delivered).toEqual(['00000001', '00000002', '00000003']);
  });
});

describe('span export paging', () => {
  it('takes a replica with many new spans in pages within one poll, none missed or repeated', async () => {
    const ring = new SpanLog(20_000);
    for (let i = 1; i <= 12_345; i++) ring.add(TRACE, undefined, i, 'm', i, 1, 'ok', undefined);
    const pages: number[] = [];
    const delivered: string[] = [];
    const sup = { name: 'c', processes: () => [{ id: 'c-0', process: { pid: 7, isRunning: true, spans: async (q: SpanQuery) => (pages.push(q.limit), ring.since(q.after ?? 0, q.limit)) } }] } as unknown as CellSupervisor;
    const exporter = new SpanExport(() => [sup], { export: async (spans) => void delivered.push(...spans.map((s) => s.span)), shutdown: async () => undefined }, log);
    await exporter.poll();
    expect(pages).toEqual([5000, 5000, 5000]);
    expect(delivered).toHaveLength(12_345);
    expect(new Set(delivered).size).toBe(12_345);
    await exporter.poll();
    expect(delivered).toHaveLength(12_345);
  });
});

describe('span export stopping', () => {
  it('holds the stop at most flushMs when the collector never answers', async () => {
    const ring = new SpanLog(4);
    ring.add(TRACE, undefined, 1, 'm', 1, 1, 'ok', undefined);
    const hanging: SpanSink = { export: () => new Promise(() => undefined), shutdown: () => new Promise(() => undefined) };
    const exporter = new SpanExport(() => [replicaOf('c', ring)], hanging, log);
    await exporter.stop(50); // without the bound this never resolves, and the test times out
    expect(exporter.counts.exported).toBe(0);
  });
});

describe('otlpEndpoint', () => {
  it('is off unless configured; CELL_OTLP overrides the root for one run, checked the same way', () => {
    expect(otlpEndpoint(undefined, {})).toBeNull();
    expect(otlpEndpoint({ otlp: 'http://a:4318/v1/traces' }, {})).toBe('http://a:4318/v1/traces');
    expect(otlpEndpoint({ otlp: 'http://a:4318/v1/traces' }, { CELL_OTLP: 'off' })).toBeNull();
    expect(otlpEndpoint(undefined, { CELL_OTLP: 'http://127.0.0.1:4318' })).toBe('http://127.0.0.1:4318/v1/traces');
    expect(() => otlpEndpoint(undefined, { CELL_OTLP: 'nope' })).toThrow(CellError);
  });
});
