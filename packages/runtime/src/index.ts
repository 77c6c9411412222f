export { buildCell, BUILD_DIR, MAIN_FILE, type BuildResult } from './ribosome/build-cell.ts';
export { buildTree, localDeps, type TreeBuild, type TreeBuildOptions } from './ribosome/build-tree.ts';
export { CELL_BUNDLE_OPTIONS } from './ribosome/bundle.ts';
export { fetchGitDependencies, type GitFetch, type GitFetchOptions } from './ribosome/git-deps.ts';
export { typecheckCells, typecheckFailure, type TypecheckOptions, type TypecheckReport, type CellTypecheck } from './ribosome/typecheck-cells.ts';
export { shippedCompiler, type TypeScriptCompiler } from './ribosome/typecheck-compiler.ts';
export { typecheckTarget, programConfig, programTsconfig, type TypecheckTarget, type ProgramConfig } from './ribosome/typecheck-config.ts';
export type { TypecheckDiagnostic } from './ribosome/typecheck-diagnostics.ts';
export { genomeFromSource, readGenomeFile, GENOME_FILE } from './ribosome/contract-genome.ts';
export {
  generateDependencyTypes,
  generateRemoteTypes,
  checkTree,
  currentGenome,
  majorOf,
  BINDINGS_DIR,
  type DependencyTypes,
  type CheckedEdge,
  type LockMode,
  type GenomeSource,
} from './ribosome/dependency-types.ts';
export { Nucleus, type NucleusOptions } from './nucleus/nucleus.ts';
export { runningNucleusPid } from './nucleus/tree-lock.ts';
export type { TreeNetwork, TreeNetworkContext, TreeNetworkFactory, LocalServedCell, NetworkStatus } from './network/tree-network.ts';
export { startStandaloneCell } from './standalone/standalone-cell.ts';
export { RotatingFile } from './logs/rotating-file.ts';
export { findRunningTree, runningTree, treeStatus, treeSpans, reloadCell, restartCell, stopCell, buildTreeChecked, type RunningTree } from './control/tree-control.ts';
export { reloadWithConsumers, type ConsumersReload } from './control/consumer-upgrade.ts';
export { TreeWatch, type WatchActions, type WatchEvent } from './watch/tree-watch.ts';
export { cpuSecondsOf } from './observe/tree-metrics.ts';
export { summarizeTraces, type TraceSummary } from './observe/trace-summary.ts';
export type { CallEdge } from './observe/call-graph.ts';
export type { GraphView } from './observe/dashboard-events.ts';
export { DURATION_BUCKETS_MS } from '@cell/wire';
export { createCapsidHost, DEFAULT_SANDBOX_UID, type CapsidHost, type CapsidHostOptions, type CapsidRunSpec } from './capsid/capsid-host.ts';
export { probeCapsid, capsidUnavailable, type CapsidProbe, type CapsidProbeOptions } from './capsid/capsid-probe.ts';
export { CapsidProcess, type CapsidExit } from './capsid/capsid-process.ts';
export { openCapsidNetwork, capsidNetworkUnavailable, type CapsidNetwork } from './capsid/capsid-network.ts';
export type { CapsidReadiness } from './capsid/capsid-readiness.ts';
export { interpolate } from './process/interpolate.ts';
export { dependencyVariables } from './process/replica-variables.ts';
export { LOCAL_HOST, portVariables, type ReplicaPorts } from './process/port-allocation.ts';
export type { CapsidBuildSpec, CapsidBuildResult } from './capsid/capsid-build.ts';
export type { CapsidResources } from './capsid/capsid-context.ts';
export { installCellSandboxed, bundleCellSandboxed, buildProcessCellSandboxed, type SandboxedCellBuild, type CellBuilder } from './capsid/capsid-cell-build.ts';
