/** The small payload of call-rate measures. */
export const SMALL = { n: 42, text: 'hello, cell' };

/** A client of one data-plane system under test, each written in that system's best idiom. */
export interface DataClient {
  /** `count` sequential small calls; each call's microseconds. */
  pingPong(count: number): Promise<Float64Array>;
  /** Echo calls of `payload` (the small object or a byte array), `window` in flight, until `count` or `ms`; calls completed. */
  pipelined(payload: typeof SMALL | Uint8Array, window: number, count: number, ms: number): Promise<number>;
  /** A server stream of `count` small items; items received. */
  items(count: number): Promise<number>;
  /** A server stream of `total` bytes in `chunk`-byte arrays; bytes received. */
  bytes(total: number, chunk: number): Promise<number>;
  close(): Promise<void>;
}

/** One system: how to serve the data-plane methods on a Unix socket, and how to call them. */
export interface DataSystem {
  serve(path: string): Promise<void>;
  connect(path: string): Promise<DataClient>;
}
