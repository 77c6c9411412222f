import type { MethodStats } from './method-stats.ts';

/** One failing location in a value: a JSON Pointer into the value and what was wrong there. */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** A compiled schema check, as the wire layer uses it (the SDK compiles them from contracts). */
export interface Validator {
  check(value: unknown): boolean;
  /** Every failing path (capped), for error details. Only call after `check` failed. */
  issues(value: unknown): ValidationIssue[];
}

/** How a method exchanges data (the contract's method kinds). */
export type MethodShape = 'unary' | 'serverStream' | 'clientStream' | 'duplex' | 'notify';

/** A method ready to dispatch: its handler and compiled validators. */
export interface MethodEntry {
  readonly name: string;
  readonly kind: MethodShape;
  /** Called with the validated input (or the input stream) and the call's context. */
  readonly handler: (input: unknown, ctx: never) => unknown;
  readonly input: Validator;
  /** Absent for `notify`. */
  readonly output: Validator | undefined;
  /** Declared errors: name -> check of its details. */
  readonly errors: ReadonlyMap<string, Validator>;
  readonly streamsIn: boolean;
  readonly streamsOut: boolean;
  /** Calls served: outcomes and durations (reported to the nucleus for metrics). */
  readonly stats: MethodStats;
}

/** Who is calling, as told in its handshake. */
export interface CallerInfo {
  /** Calling cell's name, when the caller is a cell. */
  cell?: string | undefined;
  replica?: string | undefined;
  /** Genome fingerprint the caller was built against. */
  fingerprint?: string | undefined;
  /** The calling node's key (peer id), when the call came from another node over an axon. */
  node?: string | undefined;
  /** The calling node's address (`ip:port`), over an axon. */
  address?: string | undefined;
  /** Our own address as that node reached us, over an axon. */
  localAddress?: string | undefined;
}

/** The membrane-side state of one call that a handler's context reads. */
export interface CallHandle {
  readonly method: string;
  /** Absolute deadline (epoch ms); Infinity when there is none. */
  readonly deadline: number;
  readonly signal: AbortSignal;
  /** The call's span (8 bytes), when its membrane keeps spans: the parent of the calls its handler makes. */
  readonly spanId?: Buffer | undefined;
}

/** The connection-wide things a handler's context reads (one per caller connection). */
export interface ContextHost {
  readonly caller: CallerInfo;
  /** Checks an event payload against the contract and sends it to this caller. */
  emitChecked(event: string, payload: unknown): void;
}
