import { createRequire } from 'node:module';
import { type CellTree, parseOtlpEndpoint } from '@cell/config';
import type { Logger } from '@cell/sdk';
import type { CellSupervisor } from '../nucleus/cell-supervisor.ts';
import { observeSetting } from './observe-setting.ts';
import { openOtlpSink } from './otlp-sink.ts';
import { SpanExport } from './span-export.ts';

const RUNTIME_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/**
 * Where the tree exports its spans: `CELL_OTLP` (this run's override, same syntax as the key),
 * else the root's `[observe] otlp`; null when off (the default).
 */
export function otlpEndpoint(observe: { otlp: string | null } | undefined, env: NodeJS.ProcessEnv): string | null {
  return observeSetting(env, 'CELL_OTLP', parseOtlpEndpoint, observe?.otlp, null);
}

/** Starts exporting the tree's spans over OTLP when configured; undefined (and nothing loaded) otherwise. */
export async function openSpanExport(tree: CellTree, supervisors: () => readonly CellSupervisor[], log: Logger, env = process.env): Promise<SpanExport | undefined> {
  const url = otlpEndpoint(tree.root.config.observe, env);
  if (url === null) return undefined;
  const exportLog = log.child({ component: 'runtime.traces' });
  const exporter = new SpanExport(supervisors, await openOtlpSink(url, RUNTIME_VERSION), exportLog);
  exporter.start();
  exportLog.info({ url }, 'exporting spans over OTLP');
  return exporter;
}
