import type { ObserveConfig } from '../cell-config.ts';
import { type HostPort, parseHostPort } from './addresses.ts';
import type { BuildContext } from './build-context.ts';
import { MAX_SPANS, DEFAULT_SPANS } from '@cell/protocol';
import { parsed, table, wholeNumber } from './schema-kit.ts';
import { describe } from '../units.ts';

/** Where a tree serves its Prometheus metrics when its root says nothing: loopback only. */
export const DEFAULT_METRICS_ADDRESS: HostPort = Object.freeze({ host: '127.0.0.1', port: 9464 });

/** `metrics = "127.0.0.1:9464"`, or `"off"`. */
export function parseMetricsAddress(value: unknown): { ok: true; value: HostPort | null } | { ok: false; message: string } {
  if (value === 'off') return { ok: true, value: null };
  const p = parseHostPort(value);
  return p.ok ? p : { ok: false, message: `expected "host:port" (e.g. "127.0.0.1:9464"; port 0 for any free one) or "off", got ${describe(value)}` };
}

/** `[observe]` (a tree's root): how the running tree can be watched. */
export const ObserveTable = table({
  metrics: parsed({ parse: parseMetricsAddress, accepts: 'string' }, { default: `${DEFAULT_METRICS_ADDRESS.host}:${DEFAULT_METRICS_ADDRESS.port}` }),
  spans: wholeNumber(0, MAX_SPANS, { default: DEFAULT_SPANS }),
});

/** `[observe]` decoded; undefined when the file has none (the tree then uses the defaults). */
export function buildObserve(ctx: BuildContext): ObserveConfig | undefined {
  const t = ctx.decoded(['observe'], ObserveTable);
  if (!t) return undefined;
  return { metrics: t.metrics, spans: t.spans };
}
