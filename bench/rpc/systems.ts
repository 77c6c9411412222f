import { baseline } from './baseline.ts';
import { cell } from './cell.ts';
import { grpcJs } from './grpc.ts';
import { moleculer } from './moleculer.ts';
import type { RpcSystem } from './system.ts';

/** Every system the rpc section measures, by result key. */
export const SYSTEMS: Record<string, RpcSystem> = {
  baseline_uds: baseline,
  cell_uds: cell,
  moleculer_tcp: moleculer,
  grpc_js: grpcJs,
};
