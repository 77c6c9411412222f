import type { ObserveConfig } from '../cell-config.ts';
import { type HostPort, parseHostPort } from './addresses.ts';
import type { BuildContext } from './build-context.ts';
import { MAX_SPANS, DEFAULT_SPANS } from '@cell/protocol';
import { parsed, table, wholeNumber } from './schema-kit.ts';
import { describe } from '../units.ts';

/** Where a tree serves its Prometheus metrics when its root says nothing: loopback only. */
export const DEFAULT_METRICS_ADDRESS: HostPort = Object.freeze({ host: '127.0.0.1', port: 9464 });
/** Where a tree serves its web dashboard when its root says nothing: loopback only. */
export const DEFAULT_DASHBOARD_ADDRESS: HostPort = Object.freeze({ host: '127.0.0.1', port: 9465 });

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** `"host:port"` or `"off"` (null), the example naming the default. */
function listenOrOff(value: unknown, example: HostPort): Parsed<HostPort | null> {
  if (value === 'off') return { ok: true, value: null };
  const p = parseHostPort(value);
  return p.ok ? p : { ok: false, message: `expected "host:port" (e.g. "${example.host}:${example.port}"; port 0 for any free one) or "off", got ${describe(value)}` };
}

/** `metrics = "127.0.0.1:9464"`, or `"off"`. */
export function parseMetricsAddress(value: unknown): Parsed<HostPort | null> {
  return listenOrOff(value, DEFAULT_METRICS_ADDRESS);
}

/** `dashboard = "127.0.0.1:9465"`, or `"off"`. */
export function parseDashboardAddress(value: unknown): Parsed<HostPort | null> {
  return listenOrOff(value, DEFAULT_DASHBOARD_ADDRESS);
}

/**
 * `otlp = "http://collector:4318"` (the OTLP/HTTP endpoint; traces go to its `/v1/traces` unless
 * the URL names a path), or `"off"`. Returns the traces URL, or null for off.
 */
export function parseOtlpEndpoint(value: unknown): Parsed<string | null> {
  if (value === 'off') return { ok: true, value: null };
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
    return { ok: false, message: `expected an http(s) URL of an OTLP/HTTP endpoint (e.g. "http://127.0.0.1:4318") or "off", got ${describe(value)}` };
  }
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/traces';
  return { ok: true, value: url.href };
}

/** `[observe]` (a tree's root): how the running tree can be watched. */
export const ObserveTable = table({
  metrics: parsed({ parse: parseMetricsAddress, accepts: 'string' }, { default: `${DEFAULT_METRICS_ADDRESS.host}:${DEFAULT_METRICS_ADDRESS.port}` }),
  spans: wholeNumber(0, MAX_SPANS, { default: DEFAULT_SPANS }),
  otlp: parsed({ parse: parseOtlpEndpoint, accepts: 'string' }, { default: 'off' }),
  dashboard: parsed({ parse: parseDashboardAddress, accepts: 'string' }, { default: `${DEFAULT_DASHBOARD_ADDRESS.host}:${DEFAULT_DASHBOARD_ADDRESS.port}` }),
});

/** `[observe]` decoded; undefined when the file has none (the tree then uses the defaults). */
export function buildObserve(ctx: BuildContext): ObserveConfig | undefined {
  const t = ctx.decoded(['observe'], ObserveTable);
  if (!t) return undefined;
  return { metrics: t.metrics, spans: t.spans, otlp: t.otlp, dashboard: t.dashboard };
}
