import { baseline } from './baseline.ts';
import { cell } from './cell.ts';
import { grpcJs } from './grpc.ts';
import { moleculer } from './moleculer.ts';
import type { RpcSystem } from './system.ts';
import { cellAxon } from '../net/cell-axon.ts';
import { rawTcp } from '../net/raw-tcp.ts';
import { rawTls } from '../net/raw-tls.ts';
import { libp2pStream } from '../net/libp2p-stream.ts';

/** Every system the rpc and net sections measure, by result key. */
export const SYSTEMS: Record<string, RpcSystem> = {
  baseline_uds: baseline,
  cell_uds: cell,
  moleculer_tcp: moleculer,
  grpc_js: grpcJs,
  raw_tcp: rawTcp,
  raw_tls: rawTls,
  cell_axon: cellAxon,
  libp2p_stream: libp2pStream,
};
