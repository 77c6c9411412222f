export {
  type CellConfig,
  type ConfigProblem,
  type DepSpec,
  type GitDepSpec,
  type PathDepSpec,
  type RemoteDepSpec,
  type NetworkConfig,
  type LifeCycle,
  type Range,
  type Resources,
  type RestartPolicy,
  type SubCellSpec,
  type PortSpec,
  type ProcessConfig,
  type ReadyCheck,
  type GatewayConfig,
  type ObserveConfig,
  formatProblem,
  runsProcess,
} from './cell-config.ts';
export { loadCellConfig, readCellConfig, cellTomlPath } from './load-config.ts';
export { loadCellTree, findNode, type CellTree, type TreeNode } from './cell-tree.ts';
export { parseBytes, parseDuration, parseDurationRange, parseCpu } from './units.ts';
export { secretFileProblem } from './internal/env-schema.ts';
export { DEFAULT_DASHBOARD_ADDRESS, DEFAULT_METRICS_ADDRESS, parseDashboardAddress, parseMetricsAddress, parseOtlpEndpoint } from './internal/observe-schema.ts';
