export { LaunchEnvSchema, DEFAULT_MEMORY_TRIM_MS, readLaunchEnv, launchEnv, LAUNCH_ENV_KEYS, type LaunchEnvVars, type LaunchSettings, type DependencyRef } from './launch-env.ts';
export {
  RUN_DIR,
  LOG_DIR,
  replicaSocketPath,
  replicaSocketPaths,
  nucleusSocketPath,
  nucleusPointerPath,
  readNucleusPointer,
  privateRunDir,
  type LocalCell,
  type NucleusPointer,
} from './run-layout.ts';
export { isProcessAlive, processStartTime } from './process-alive.ts';
export { cellHome } from './cell-home.ts';
export { type NucleusMessage, type CellMessage, isCellMessage, isNucleusMessage } from './ipc-messages.ts';
export { nucleusGenome } from './nucleus-genome.ts';
export { nucleusContract, TreeStatus, CellStatus, ReplicaStatus, ExitReason, RemoteCandidate, Candidate, Span, ReplicaSpan, type MethodCalls } from './nucleus-contract.ts';
