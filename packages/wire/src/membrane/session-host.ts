import type { Clock } from '../clock.ts';
import type { WireLogger } from '../logger.ts';
import type { CallHandle, ContextHost, MethodEntry, Validator } from './method-entry.ts';
import type { SpanLog } from './span-log.ts';

/** The limits a membrane holds each caller connection to. */
export interface MembraneLimits {
  maxFrameBytes: number;
  frameTimeoutMs: number;
  handshakeTimeoutMs: number;
  maxInFlightPerConnection: number;
  maxWriteBacklogBytes: number;
  streamWindowBytes: number;
  /** How far a stream's window grows while the handler keeps up; default `streamWindowBytes` (fixed). */
  maxStreamWindowBytes?: number | undefined;
}

/** What a membrane session needs from its membrane. */
export interface SessionHost {
  /** Name, version and fingerprint told in the handshake. */
  readonly identity: { readonly name: string; readonly version: string; readonly fingerprint: string };
  /** The full genome, answered to `$genome`. */
  readonly genome: unknown;
  readonly replica: string | undefined;
  readonly methods: ReadonlyMap<string, MethodEntry>;
  readonly events: ReadonlyMap<string, Validator>;
  readonly log: WireLogger;
  /**
   * Log one debug line per call (method, duration, outcome, trace). Decided once, from the
   * logger's level, so a membrane that does not log them pays one boolean test per call.
   */
  readonly logCalls?: boolean;
  /** The recent spans of this membrane's calls, for `cell trace`; undefined keeps none (and costs one test per call). */
  readonly spans?: SpanLog | undefined;
  readonly limits: MembraneLimits;
  readonly validateOutput: boolean;
  readonly clock: Clock;
  /** Whether a node that proved this key over an axon may call. */
  isAllowed(key: Buffer): boolean;
  /** The context a handler receives (the SDK's CallContext). */
  createContext(call: CallHandle, trace: Buffer, session: ContextHost): unknown;
  /** Counts calls across sessions (for idle detection and draining). */
  callStarted(): void;
  callEnded(): void;
  sessionClosed(session: { readonly inFlight: number }): void;
}
