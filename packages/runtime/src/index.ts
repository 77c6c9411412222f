export { buildCell, BUILD_DIR, MAIN_FILE, type BuildResult } from './ribosome/build-cell.ts';
export { buildTree, localDeps, type TreeBuild } from './ribosome/build-tree.ts';
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
export { findRunningTree, runningTree, treeStatus, reloadCell, stopCell, buildTreeChecked, type RunningTree } from './control/tree-control.ts';
