import type { ReplicaSpan } from '@cell/host';
import type { SpanSink } from './span-export.ts';

const SPAN_KIND_SERVER = 1; // @opentelemetry/api SpanKind.SERVER
const STATUS_OK = 1; // SpanStatusCode.OK
const STATUS_ERROR = 2; // SpanStatusCode.ERROR
const SAMPLED = 1; // TraceFlags.SAMPLED

/**
 * A sink exporting spans over OTLP/HTTP with the official OpenTelemetry exporter, loaded only
 * when a tree exports (a tree that does not pays nothing for it). Each span becomes a SERVER span
 * of the service named after its cell, with the RPC attributes of OpenTelemetry's conventions.
 */
export async function openOtlpSink(url: string, runtimeVersion: string): Promise<SpanSink> {
  const [{ OTLPTraceExporter }, { resourceFromAttributes }, { millisToHrTime, ExportResultCode }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/core'),
  ]);
  type Exported = Parameters<InstanceType<typeof OTLPTraceExporter>['export']>[0][number];
  const exporter = new OTLPTraceExporter({ url, timeoutMillis: 5000 });
  const resources = new Map<string, ReturnType<typeof resourceFromAttributes>>();
  const resourceOf = (s: ReplicaSpan) => {
    const key = `${s.cell}\0${s.replica}`;
    let r = resources.get(key);
    if (!r) resources.set(key, (r = resourceFromAttributes({ 'service.name': s.cell, 'service.instance.id': s.replica })));
    return r;
  };
  const scope = { name: '@cell/runtime', version: runtimeVersion };
  const toOtel = (s: ReplicaSpan): Exported => {
    const context = { traceId: s.trace, spanId: s.span, traceFlags: SAMPLED };
    const attributes: Record<string, string> = { 'rpc.system': 'cell', 'rpc.service': s.cell, 'rpc.method': s.method, 'cell.replica': s.replica, 'cell.outcome': s.outcome };
    if (s.caller !== undefined) attributes['cell.caller'] = s.caller;
    if (s.node !== undefined) attributes['cell.caller_node'] = s.node;
    return {
      name: `${s.cell}/${s.method}`,
      kind: SPAN_KIND_SERVER,
      spanContext: () => context,
      parentSpanContext: s.parent === undefined ? undefined : { traceId: s.trace, spanId: s.parent, traceFlags: SAMPLED, isRemote: true },
      startTime: millisToHrTime(s.start),
      endTime: millisToHrTime(s.start + s.durationMs),
      duration: millisToHrTime(s.durationMs),
      status: s.outcome === 'ok' ? { code: STATUS_OK } : { code: STATUS_ERROR, message: s.outcome },
      attributes,
      links: [],
      events: [],
      ended: true,
      resource: resourceOf(s),
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
  };
  return {
    export: (spans) =>
      new Promise((resolve, reject) => {
        exporter.export(spans.map(toOtel), (result) => (result.code === ExportResultCode.SUCCESS ? resolve() : reject(result.error ?? new Error('OTLP export failed'))));
      }),
    shutdown: () => exporter.shutdown(),
  };
}
