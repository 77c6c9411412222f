import { type CellMessage, isNucleusMessage, type MethodCalls, type NucleusMessage } from '@cell/host';
import type { SpanLog } from '@cell/wire';
import { dependencyStats } from './dependency-registry.ts';
import { launchSettings } from './launch.ts';
import type { Logger } from './logger.ts';

/** What the process integration needs from a membrane. */
export interface ManagedMembrane {
  readonly connections: number;
  /** Of its connections, those from other nodes. */
  readonly axonConnections: number;
  readonly inFlight: number;
  readonly lastActivityAt: number;
  readonly axonPort: number | undefined;
  /** The methods it serves, each counting its calls. */
  readonly methods: ReadonlyMap<string, { readonly stats: { snapshot(): MethodCalls } }>;
  /** The recent spans of its calls, when it keeps them. */
  readonly spans: Pick<SpanLog, 'find' | 'since'> | undefined;
  stop(options?: { graceMs?: number }): Promise<void>;
}

let attached = false;

/** What the cell tells its nucleus when asked for its stats or its spans. */
function answer(membrane: ManagedMembrane, m: Exclude<NucleusMessage, { type: 'cell:drain' }>): CellMessage {
  if (m.type === 'cell:spans') {
    if (m.after !== undefined) return { type: 'cell:spans', id: m.id, ...(membrane.spans?.since(m.after, m.limit) ?? { spans: [], next: m.after, dropped: 0 }) };
    return { type: 'cell:spans', id: m.id, spans: membrane.spans?.find({ trace: m.trace, limit: m.limit }) ?? [] };
  }
  const { connections, axonConnections, inFlight, lastActivityAt } = membrane;
  const methods = Object.fromEntries([...membrane.methods].map(([name, entry]) => [name, entry.stats.snapshot()]));
  return { type: 'cell:stats', connections, axonConnections, inFlight, lastActivityAt, deps: dependencyStats(), methods };
}

/**
 * Makes this process a well-behaved cell when the runtime started it (`CELL_NAME` set):
 * SIGTERM/SIGINT or a drain message stop the membrane gracefully and exit; with
 * `CELL_IDLE_TIMEOUT_MS`, the cell exits on its own after that long without connections or calls
 * (apoptosis); losing the nucleus (IPC disconnect) exits at once, so no cell outlives its tree.
 */
export function attachCellProcess(membrane: ManagedMembrane, log: Logger): void {
  const launch = launchSettings();
  if (attached || !launch.name) return;
  attached = true;
  const graceMs = launch.graceMs ?? 5000;
  const plog = log.child({ component: 'sdk.process' });
  let exiting = false;
  const exit = (reason: string, drainMs: number) => {
    if (exiting) return;
    exiting = true;
    plog.info({ reason }, 'cell stopping');
    void membrane.stop({ graceMs: drainMs }).finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => exit('SIGTERM', graceMs));
  process.on('SIGINT', () => exit('SIGINT', graceMs));
  process.on('disconnect', () => exit('nucleus gone', 0));
  process.on('message', (m: unknown) => {
    if (!isNucleusMessage(m)) return;
    if (m.type === 'cell:drain') exit('drain', m.graceMs ?? graceMs);
    else process.send?.(answer(membrane, m));
  });
  if (membrane.axonPort !== undefined) process.send?.({ type: 'cell:axon', port: membrane.axonPort } satisfies CellMessage);
  const idleMs = launch.idleTimeoutMs;
  if (idleMs !== undefined) {
    const timer = setInterval(
      () => {
        if (membrane.connections > 0 || membrane.inFlight > 0 || Date.now() - membrane.lastActivityAt < idleMs) return;
        clearInterval(timer);
        process.send?.({ type: 'cell:apoptosis', idleMs } satisfies CellMessage);
        exit('idle', 0);
      },
      Math.max(10, Math.min(1000, idleMs / 4)),
    );
    timer.unref();
  }
}
