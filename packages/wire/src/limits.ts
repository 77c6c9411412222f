/**
 * The one set of default limits of a connection, on both sides (serve and connect read their
 * defaults from here; docs/protocol.md documents them).
 */
export const DEFAULT_LIMITS = Object.freeze({
  /** Largest frame accepted from the peer (header + body). */
  maxFrameBytes: 16 * 1024 * 1024,
  /** A partly received frame must complete within this long. */
  frameTimeoutMs: 30_000,
  /** A new connection must complete its handshake within this long (membrane side). */
  handshakeTimeoutMs: 10_000,
  /** Stop reading from the peer while this much output waits for it. */
  maxWriteBacklogBytes: 4 * 1024 * 1024,
  /** Per-stream flow-control window at the start: body bytes in flight before the reader grants more. */
  streamWindowBytes: 1024 * 1024,
  /** How far a stream's window grows while its reader keeps up (StreamInbox). */
  maxStreamWindowBytes: 16 * 1024 * 1024,
  /** Calls in flight on one connection before CELL_E_OVERLOADED (membrane side). */
  maxInFlightPerConnection: 4096,
  /** Caller connections one membrane holds at most; more are refused with CELL_E_OVERLOADED. */
  maxConnections: 4096,
  /** Deadline of a unary or client-stream call that sets none. */
  callTimeoutMs: 30_000,
  /** Connecting and handshaking (caller side). */
  connectTimeoutMs: 5_000,
});

/** The limits both serve and connect accept as options. */
export type ConnectionLimits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

/** Smallest frame limit and stream window a peer may announce in its handshake. */
export const MIN_FRAME_BYTES = 1024;
export const MIN_WINDOW_BYTES = 1024;
