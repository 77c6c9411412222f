import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { type CellConfig, type CellTree, loadCellConfig, type TreeNode } from '@cell/config';
import type { Logger } from '@cell/sdk';
import { buildCell, copyBuild, TREE_SDK_DIR, TYPECHECK_DIR } from '../ribosome/build-cell.ts';
import { buildProcessCell } from '../ribosome/build-process-cell.ts';
import { localDeps } from '../ribosome/build-tree.ts';
import { genomeFromSource, readGenomeFile, writeGenomeFile } from '../ribosome/contract-genome.ts';
import { typecheckCells, typecheckFailure } from '../ribosome/typecheck-cells.ts';
import { CellSupervisor } from './cell-supervisor.ts';
import { judgeUpgrade, refuseBlocked, upgradeEdges } from './upgrade-policy.ts';

/** What reloading a cell needs of its nucleus. */
export interface ReloadHost {
  tree: CellTree;
  log: Logger;
  /** Each cell's current build. */
  mains: Map<TreeNode, string>;
  /** Old major versions kept running beside their successors (a reload may add one). */
  legacy: CellSupervisor[];
  /** False: rebuild without type-checking (`--no-typecheck`). */
  typecheck: boolean;
  isRunning(node: TreeNode): boolean;
}

/**
 * Rebuilds a cell and replaces its replicas one by one, unless the upgrade policy refuses the
 * new genome; an old major a running consumer still needs keeps running beside the new one.
 */
export async function reloadSupervisedCell(host: ReloadHost, sup: CellSupervisor): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
  const node = sup.node;
  // The code, the version and the environment may have changed since the tree started: read cell.toml again.
  const config = loadCellConfig(node.dir);
  if (config.process) return reloadProcessCell(host, sup, config);
  const next = (await genomeFromSource(config)) ?? readGenomeFile(node.dir);
  const verdict = next ? judgeUpgrade(upgradeEdges(host.tree, node, next, host.isRunning)) : { blocking: [], keepMajors: [] };
  refuseBlocked(verdict, `reload ${node.name} ${next?.version ?? ''}`.trim());
  // Code that does not type-check gets no bundle (buildCell waits for the verdict): the running replicas keep serving.
  const check = host.typecheck ? typecheckCells([config], { stateDir: join(host.tree.root.dir, TYPECHECK_DIR) }) : undefined;
  check?.catch(() => undefined);
  const keepMajor = verdict.keepMajors[0] ?? null;
  if (keepMajor !== null && !host.legacy.some((l) => l.name === `${node.name}-v${keepMajor}`)) {
    // The old major is kept beside code that will replace it, never beside code refused.
    const checked = (await check)?.cells[0];
    if (checked?.status === 'failed') throw typecheckFailure(checked);
    await keepOldMajor(host, sup, keepMajor);
  }
  const result = await buildCell(config, localDeps(node), { typecheck: check ?? false, sdkDir: join(host.tree.root.dir, TREE_SDK_DIR) });
  host.mains.set(node, result.main);
  host.log.info({ cell: sup.name, rebuilt: result.rebuilt, version: next?.version }, 'reloading cell');
  const replaced = await sup.reload(result.main, config);
  sup.version = next?.version ?? config.cell.version;
  if (next) writeGenomeFile(node.dir, next);
  host.log.info({ cell: sup.name, replaced }, 'cell reloaded');
  return { replaced, rebuilt: result.rebuilt, keptMajor: keepMajor };
}

/** A process cell has nothing to build or type-check: its new processes start with the new cell.toml. */
async function reloadProcessCell(host: ReloadHost, sup: CellSupervisor, config: CellConfig): Promise<{ replaced: number; rebuilt: boolean; keptMajor: null }> {
  const { rebuilt } = await buildProcessCell(config, { treeRoot: host.tree.root.dir }); // a build that fails leaves the running processes alone
  host.mains.set(sup.node, config.file);
  host.log.info({ cell: sup.name, version: config.cell.version }, 'reloading cell');
  const replaced = await sup.reload(config.file, config);
  sup.version = config.cell.version;
  host.log.info({ cell: sup.name, replaced }, 'cell reloaded');
  return { replaced, rebuilt, keptMajor: null };
}

/**
 * `cell restart`: replaces each replica of a cell with a new process of its current build (no
 * rebuild, no genome check: the code does not change), the same way a reload does — the new
 * process answers on the shared socket before the old one drains, so no call is dropped. A
 * replica that is failed or waiting to restart starts afresh; an idle one stays idle.
 */
export async function restartSupervisedCell(host: Pick<ReloadHost, 'log' | 'mains'>, sup: CellSupervisor): Promise<{ replaced: number }> {
  if (!sup.hasProcess) throw new CellError('CELL_E_INVALID_ARGUMENT', `${sup.name} has no entry: it is a group of cells, with no process to restart`);
  const main = host.mains.get(sup.node);
  if (!main) throw new CellError('CELL_E_UNAVAILABLE', `no build of ${sup.name} is known to this tree (never built, or an old major kept beside a newer one): nothing to restart`);
  host.log.info({ cell: sup.name }, 'restarting cell');
  const replaced = await sup.reload(main);
  host.log.info({ cell: sup.name, replaced }, 'cell restarted');
  return { replaced };
}

/** Starts the current (old-major) build of a cell as `<name>-v<major>` before it is replaced. */
async function keepOldMajor(host: ReloadHost, sup: CellSupervisor, major: number): Promise<void> {
  const node = sup.node;
  const main = copyBuild(host.mains.get(node)!, join(node.dir, '.cell', 'build', `v${major}`));
  const legacy = new CellSupervisor({ ...node, name: `${node.name}-v${major}` }, sup.context);
  legacy.version = sup.version;
  host.legacy.push(legacy);
  host.log.info({ cell: node.name, major }, 'keeping the old major version running beside the new one');
  await legacy.start(main);
}
