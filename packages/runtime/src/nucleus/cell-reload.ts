import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CellTree, loadCellConfig, type TreeNode } from '@cell/config';
import type { Logger } from '@cell/sdk';
import { buildCell } from '../ribosome/build-cell.ts';
import { localDeps } from '../ribosome/build-tree.ts';
import { genomeFromSource, readGenomeFile, writeGenomeFile } from '../ribosome/contract-genome.ts';
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
  isRunning(node: TreeNode): boolean;
}

/**
 * Rebuilds a cell and replaces its replicas one by one, unless the upgrade policy refuses the
 * new genome; an old major a running consumer still needs keeps running beside the new one.
 */
export async function reloadSupervisedCell(host: ReloadHost, sup: CellSupervisor): Promise<{ replaced: number; rebuilt: boolean; keptMajor: number | null }> {
  const node = sup.node;
  // The code and the version may have changed since the tree started: read cell.toml again.
  const config = loadCellConfig(node.dir);
  const next = (await genomeFromSource(config)) ?? readGenomeFile(node.dir);
  const verdict = next ? judgeUpgrade(upgradeEdges(host.tree, node, next, host.isRunning)) : { blocking: [], keepMajors: [] };
  refuseBlocked(verdict, `reload ${node.name} ${next?.version ?? ''}`.trim());
  const keepMajor = verdict.keepMajors[0] ?? null;
  if (keepMajor !== null && !host.legacy.some((l) => l.name === `${node.name}-v${keepMajor}`)) await keepOldMajor(host, sup, keepMajor);
  const result = await buildCell(config, localDeps(node));
  host.mains.set(node, result.main);
  host.log.info({ cell: sup.name, rebuilt: result.rebuilt, version: next?.version }, 'reloading cell');
  const replaced = await sup.reload(result.main);
  if (next) writeGenomeFile(node.dir, next);
  host.log.info({ cell: sup.name, replaced }, 'cell reloaded');
  return { replaced, rebuilt: result.rebuilt, keptMajor: keepMajor };
}

/** Starts the current (old-major) build of a cell as `<name>-v<major>` before it is replaced. */
async function keepOldMajor(host: ReloadHost, sup: CellSupervisor, major: number): Promise<void> {
  const node = sup.node;
  const dir = join(node.dir, '.cell', 'build', `v${major}`);
  mkdirSync(dir, { recursive: true });
  const main = join(dir, 'main.mjs');
  copyFileSync(host.mains.get(node)!, main);
  const legacy = new CellSupervisor({ ...node, name: `${node.name}-v${major}` }, sup.context);
  host.legacy.push(legacy);
  host.log.info({ cell: node.name, major }, 'keeping the old major version running beside the new one');
  await legacy.start(main);
}
