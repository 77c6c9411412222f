// The public SDK: what a cell imports. Everything else (wire machinery, host plumbing) lives in
// @cell/wire and @cell/host behind it, and is not part of this surface.
export { Type, type Static, type TSchema } from 'typebox';
export { CellError, isCellError, ERROR_CODES, type CellErrorCode } from '@cell/protocol';
export {
  defineContract,
  unary,
  serverStream,
  clientStream,
  duplex,
  notify,
  Bytes,
  type BytesOptions,
  type TBytes,
  type Contract,
  type MethodDef,
  type MethodKind,
  type ErrorSchemas,
  type Genome,
  type GenomeMethod,
  type JsonSchema,
} from '@cell/contract';
export type {
  Handler,
  Handlers,
  InputOf,
  OutputOf,
  CallError,
  CallResult,
  CallOptions,
  NotifyOptions,
  DeclaredErrorOf,
  SdkError,
  ClientMethod,
  StreamSource,
} from './contract-types.ts';
export type { DeclaredError } from './declared-error.ts';
export { CallContext, type CallerInfo } from './call-context.ts';
export { serve, type Membrane } from './membrane.ts';
export type { ServeOptions, AxonServeOptions, ConnectOptions } from './options.ts';
export { connect, connectDynamic, fetchGenome, type Synapse, type SynapseControls, type DynamicSynapse, type RemoteInfo } from './synapse.ts';
export { createLogger, processLog, type Logger, type LoggerOptions } from './logger.ts';
export { cells } from './cells.ts';
