import type { RpcSystem } from './system.ts';

/**
 * Every system the rpc and net sections measure, by result key. Each loads only when measured,
 * so a worker process holds just its own system's code: loading the others (libp2p above all)
 * changes V8's young-generation sizing and moved some systems' throughput by up to 25%.
 */
export const SYSTEMS: Record<string, () => Promise<RpcSystem>> = {
  baseline_uds: async () => (await import('./baseline.ts')).baseline,
  cell_uds: async () => (await import('./cell.ts')).cell,
  cell_uds_unobserved: async () => (await import('./cell.ts')).cellUnobserved,
  moleculer_tcp: async () => (await import('./moleculer.ts')).moleculer,
  grpc_js: async () => (await import('./grpc.ts')).grpcJs,
  raw_tcp: async () => (await import('../net/raw-tcp.ts')).rawTcp,
  raw_tls: async () => (await import('../net/raw-tls.ts')).rawTls,
  cell_axon: async () => (await import('../net/cell-axon.ts')).cellAxon,
  libp2p_stream: async () => (await import('../net/libp2p-stream.ts')).libp2pStream,
};
