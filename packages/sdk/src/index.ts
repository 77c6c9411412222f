export { Type, type Static, type TSchema } from 'typebox';
export { CellError, isCellError, ERROR_CODES, type CellErrorCode } from '@cell/protocol';
export {
  defineContract,
  unary,
  serverStream,
  clientStream,
  duplex,
  notify,
  type Contract,
  type MethodDef,
  type MethodKind,
  type ErrorSchemas,
} from './contract.ts';
export type {
  Handler,
  Handlers,
  InputOf,
  OutputOf,
  CallError,
  CallResult,
  CallOptions,
  DeclaredError,
  DeclaredErrorOf,
  SdkError,
  ClientMethod,
  StreamSource,
} from './contract-types.ts';
export { CallContext, type CallerInfo } from './call-context.ts';
export { toGenome, canonicalJson, schemaShape, genomeFingerprint, methodFingerprint, type Genome, type GenomeMethod, type JsonSchema } from './genome.ts';
export { compareGenomes, formatChange, describeSchema, type CompatibilityReport, type GenomeChange } from './compatibility.ts';
export { serve, type Membrane, type ServeOptions } from './membrane.ts';
export {
  connect,
  connectDynamic,
  fetchGenome,
  type Synapse,
  type SynapseControls,
  type DynamicSynapse,
  type ConnectOptions,
  type RemoteInfo,
} from './synapse.ts';
export { createLogger, silentLogger, processLog, type Logger, type LoggerOptions } from './logger.ts';
export {
  nucleusContract,
  TreeStatus,
  CellStatus,
  ReplicaStatus,
  ExitReason,
} from './nucleus-contract.ts';
export {
  RUN_DIR,
  LOG_DIR,
  replicaSocketPath,
  replicaSocketPaths,
  readLaunchSpec,
  readNucleusPointer,
  resolveLocalCell,
  startLocalCell,
  probeSocket,
  isProcessAlive,
  type LocalCell,
  type LaunchSpec,
  type NucleusPointer,
} from './local-cell.ts';
export type { NucleusMessage, CellMessage } from './cell-process.ts';
export { peerIdFromKey, keyFromPeerId, isPeerId } from './peer-key.ts';
export { loadAxonCredentials, connectAxon, listenAxon, peerKeyOf, type AxonCredentials, type AxonEndpoint } from './axon-transport.ts';
export { dependencyStats } from './synapse.ts';
export type { CandidateStats, Endpoint } from './synapse-pool.ts';
export { RemoteCandidate, Candidate } from './nucleus-contract.ts';
export type { AxonServeOptions } from './membrane.ts';
export type { DependencyRef } from './local-cell.ts';
