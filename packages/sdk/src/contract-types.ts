import type { Static, TSchema } from 'typebox';
import type { CellError, CellErrorCode } from '@cell/protocol';
import type { Contract, ErrorSchemas, MethodDef } from '@cell/contract';
import type { CallContext } from './call-context.ts';
import type { DeclaredError } from './declared-error.ts';

/** The input type of a method (each item, for streamed input). */
export type InputOf<M extends MethodDef> = Static<M['input']>;
/** The output type of a method (each item, for streamed output). */
export type OutputOf<M extends MethodDef> = Static<M['output']>;

/** The union of a method's declared errors. */
export type DeclaredErrorOf<E extends ErrorSchemas> = {
  [K in keyof E & string]: DeclaredError<K, Static<E[K]>>;
}[keyof E & string];

/** An error raised by the SDK itself (never declared by a cell). */
export type SdkError = CellError<CellErrorCode, unknown> & { readonly declared: false };

/** Everything a call to method M can fail with: switch on `code`. */
export type CallError<M extends MethodDef> = DeclaredErrorOf<M['errors']> | SdkError;

/** Result of a `.try` call: never throws. */
export type CallResult<T, E> = { ok: true; value: T; error?: undefined } | { ok: false; error: E; value?: undefined };

type Awaitable<T> = T | Promise<T>;

/** The server-side function implementing method M. */
export type Handler<M extends MethodDef> = M extends MethodDef<'unary'>
  ? (input: InputOf<M>, ctx: CallContext<M['errors']>) => Awaitable<OutputOf<M>>
  : M extends MethodDef<'serverStream'>
    ? (input: InputOf<M>, ctx: CallContext<M['errors']>) => AsyncIterable<OutputOf<M>> | Iterable<OutputOf<M>>
    : M extends MethodDef<'clientStream'>
      ? (input: AsyncIterable<InputOf<M>>, ctx: CallContext<M['errors']>) => Awaitable<OutputOf<M>>
      : M extends MethodDef<'duplex'>
        ? (input: AsyncIterable<InputOf<M>>, ctx: CallContext<M['errors']>) => AsyncIterable<OutputOf<M>> | Iterable<OutputOf<M>>
        : (input: InputOf<M>, ctx: CallContext<M['errors']>) => Awaitable<void>;

/** One handler per method of the contract; the compiler rejects a missing or mistyped one. */
export type Handlers<C extends Contract> = { [K in keyof C['methods']]: Handler<C['methods'][K]> };

/**
 * Per-call options of a synapse method. A handler's `CallContext` is itself valid options:
 * `await other.method(input, ctx)` carries the trace, remaining deadline and cancellation on.
 */
export interface CallOptions {
  /** Aborting cancels the call on both sides. */
  readonly signal?: AbortSignal | undefined;
  /** Deadline for this call; default the synapse's `timeoutMs`. */
  readonly timeoutMs?: number | undefined;
  /** Continue an existing trace (32 hex chars); default a new one. */
  readonly trace?: string | undefined;
  /** The same trace as 16 bytes (a CallContext provides it). */
  readonly traceId?: Buffer | undefined;
  /** The span this call is made from, 8 bytes (a CallContext provides it): the call's parent in `cell trace`. */
  readonly spanId?: Buffer | undefined;
}

/** What a notification carries on (a handler's `ctx` is valid): its trace and parent span; no reply comes, so no deadline. */
export type NotifyOptions = Pick<CallOptions, 'trace' | 'traceId' | 'spanId'>;

/** Items a caller may stream into a method. */
export type StreamSource<T> = AsyncIterable<T> | Iterable<T>;

interface TryCall<Args extends unknown[], T, E> {
  /** Same call, but failures come back as a value: `{ ok: false, error }` with a typed `error`. */
  try(...args: Args): Promise<CallResult<T, E>>;
}

/** The caller-side function for method M. */
export type ClientMethod<M extends MethodDef> = M extends MethodDef<'unary'>
  ? ((input: InputOf<M>, options?: CallOptions) => Promise<OutputOf<M>>) &
      TryCall<[input: InputOf<M>, options?: CallOptions], OutputOf<M>, CallError<M>>
  : M extends MethodDef<'serverStream'>
    ? (input: InputOf<M>, options?: CallOptions) => AsyncIterable<OutputOf<M>>
    : M extends MethodDef<'clientStream'>
      ? ((input: StreamSource<InputOf<M>>, options?: CallOptions) => Promise<OutputOf<M>>) &
          TryCall<[input: StreamSource<InputOf<M>>, options?: CallOptions], OutputOf<M>, CallError<M>>
      : M extends MethodDef<'duplex'>
        ? (input: StreamSource<InputOf<M>>, options?: CallOptions) => AsyncIterable<OutputOf<M>>
        : (input: InputOf<M>, options?: NotifyOptions) => Promise<void>;

/** Events the cell may push: name -> payload type. */
export type EventPayload<C extends Contract, E extends keyof C['events']> = C['events'][E] extends TSchema
  ? Static<C['events'][E]>
  : never;
