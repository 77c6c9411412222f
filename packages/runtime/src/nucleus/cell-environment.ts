import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { CellTree, TreeNode } from '@cell/config';
import type { ReplicaPorts } from '../process/port-allocation.ts';
import { dependencyVariables } from '../process/replica-variables.ts';
import { launchEnv, nucleusSocketPath } from '@cell/host';
import { lazy } from '@cell/protocol';
import { localDeps } from '../ribosome/build-tree.ts';
import { metricsAddress } from '../observe/open-metrics.ts';

/**
 * The launch environment every replica of `node` gets (docs/launch-env.md): its dependencies,
 * life cycle, the nucleus to ask for on-demand starts, and — on a networked tree — the node
 * identity and the axon it serves other nodes on, when some node key may call it.
 */
export function cellEnvironment(tree: CellTree, node: TreeNode, identityFile: string | undefined, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const net = tree.root.config.network;
  const allowed = net ? [...node.config.auth.allowedKeys, ...net.allowedKeys] : [];
  return {
    ...launchEnv({
      deps: localDeps(node, net?.trustedKeys ?? []),
      graceMs: node.config.lifeCycle.graceMs,
      idleTimeoutMs: node.config.lifeCycle.idleTimeoutMs,
      memoryTrimMs: node.config.lifeCycle.memoryTrimMs,
      maxConnections: node.config.cell.maxConnections,
      nucleusSocket: nucleusSocketPath(tree.root.dir),
      network: net !== undefined,
      identityFile: net ? identityFile : undefined,
      axon: net && allowed.length > 0 ? { host: net.listen.host, port: 0, allowedKeys: allowed.includes('*') ? 'any' : allowed } : undefined,
      callStats: metricsAddress(tree, env) !== null, // no metrics, nothing counted
      spans: tree.root.config.observe?.spans,
      koffi: koffiModule(),
    }),
    NODE_COMPILE_CACHE: join(node.dir, '.cell', 'compile-cache'),
  };
}

/**
 * The koffi this runtime ships (an absolute path, resolved once): a cell's bundle, wherever it
 * lies on disk, loads it to read a local caller's uid. Undefined when it is not installed.
 */
const koffiModule = lazy((): string | undefined => {
  try {
    return createRequire(import.meta.url).resolve('koffi');
  } catch {
    return undefined;
  }
});

/** Where `node`'s dependencies with ports are now (`CELL_DEP_<NAME>_*`), from their supervisors' allocated ports. */
export function dependencyEnvironment(node: TreeNode, portsOf: (dep: TreeNode) => { config: TreeNode['config']; ports: readonly ReplicaPorts[] | undefined } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, dep] of Object.entries(node.deps)) {
    const found = portsOf(dep);
    if (found?.ports) Object.assign(out, dependencyVariables(name, found.config, found.ports));
  }
  return out;
}
