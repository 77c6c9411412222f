/** The small echo payload every system sends and gets back. */
export const PAYLOAD = { n: 42, text: 'hello, cell' };
export type Payload = typeof PAYLOAD;

/** A client of one RPC system under test. */
export interface BenchClient {
  call(input: Payload): Promise<unknown>;
  close(): Promise<void>;
}

/** One RPC system: how to serve the echo, and how to call it. */
export interface RpcSystem {
  /** Starts the echo server at `address` (a socket path or a TCP port, per system). */
  serve(address: string): Promise<void>;
  connect(address: string): Promise<BenchClient>;
}
