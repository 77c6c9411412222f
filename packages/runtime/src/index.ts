export { buildCell, BUILD_DIR, MAIN_FILE, type BuildResult } from './ribosome/build-cell.ts';
export { Nucleus, nucleusSocketPath, type NucleusOptions } from './nucleus/nucleus.ts';
export { runningNucleusPid } from './nucleus/tree-lock.ts';
export { ResourceLimiter, type LimitEnforcer } from './nucleus/cgroups.ts';
