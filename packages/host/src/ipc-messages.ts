import type { Static } from 'typebox';
import type { Candidate, MethodCalls, Span } from './nucleus-contract.ts';

/** Messages from the nucleus to a cell process over the IPC channel. */
export type NucleusMessage =
  | { type: 'cell:drain'; graceMs?: number }
  | { type: 'cell:stats' }
  /**
   * The spans the cell keeps, answered with the same `id`: one trace's (hex prefix) or the newest,
   * at most `limit`; with `after`, those recorded after the first `after` (an exporter's poll).
   */
  | { type: 'cell:spans'; id: number; trace?: string; limit: number; after?: number };

/** Messages from a cell process to its nucleus. */
export type CellMessage =
  | { type: 'cell:apoptosis'; idleMs: number }
  | { type: 'cell:axon'; port: number }
  | {
      type: 'cell:stats';
      connections: number;
      /** Of those, connections from other nodes (axons); absent from older cells. */
      axonConnections?: number;
      inFlight: number;
      lastActivityAt: number;
      /** Per dependency, the racer's view of each candidate. */
      deps: Record<string, Array<Static<typeof Candidate>>>;
      /** Per method, the calls it served (docs/metrics.md); absent from older cells. */
      methods?: Record<string, MethodCalls>;
    }
  /** `next`: the `after` of the next poll; `dropped`: spans overwritten before this one asked (with `after` only). */
  | { type: 'cell:spans'; id: number; spans: Span[]; next?: number; dropped?: number };

/** True for a message a cell may send (anything else on the channel is ignored). */
export function isCellMessage(m: unknown): m is CellMessage {
  const type = (m as { type?: unknown } | null)?.type;
  return type === 'cell:apoptosis' || type === 'cell:axon' || type === 'cell:stats' || type === 'cell:spans';
}

/** True for a message the nucleus may send. */
export function isNucleusMessage(m: unknown): m is NucleusMessage {
  const type = (m as { type?: unknown } | null)?.type;
  return type === 'cell:drain' || type === 'cell:stats' || type === 'cell:spans';
}
