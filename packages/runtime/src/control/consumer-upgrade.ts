import { existsSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError, toCellError } from '@cell/protocol';
import { type CellTree, loadCellConfig, loadCellTree, type TreeNode } from '@cell/config';
import { LOCK_FILE } from '@cell/codegen';
import { buildCell, BUILD_DIR, TREE_SDK_DIR } from '../ribosome/build-cell.ts';
import { localDeps } from '../ribosome/build-tree.ts';
import { genomeFromSource } from '../ribosome/contract-genome.ts';
import { BINDINGS_DIR, lockConsumersTo } from '../ribosome/dependency-types.ts';
import { reloadCell, runningTree } from './tree-control.ts';

/** What `cell reload <producer> --with-consumers` did. */
export interface ConsumersReload {
  producer: { cell: string; version: string; replaced: number; rebuilt: boolean; keptMajor: number | null };
  /** The consumers, reloaded after the producer, in the tree's start order. */
  consumers: Array<{ cell: string; replaced: number; rebuilt: boolean }>;
}

/** A trial build goes here, never over the build the running processes were started from. */
const TRIAL_DIR = join(BUILD_DIR, 'trial');

/** Files of the consumers that moving them to the new genome rewrites: put back as they were if anything fails. */
interface Saved {
  path: string;
  content: Buffer | undefined;
  mtime: Date | undefined;
}

function save(path: string): Saved {
  if (!existsSync(path)) return { path, content: undefined, mtime: undefined };
  return { path, content: readFileSync(path), mtime: statSync(path).mtime };
}

function restore(saved: readonly Saved[]): void {
  for (const s of saved) {
    if (s.content === undefined) rmSync(s.path, { force: true });
    else {
      writeFileSync(s.path, s.content);
      utimesSync(s.path, s.mtime!, s.mtime!); // unchanged inputs keep the consumer's build up to date
    }
  }
}

/** Builds a cell into its trial directory: the same checks as its real build, nothing a running process reads. */
async function trialBuild(tree: CellTree, node: TreeNode): Promise<CellError<string> | undefined> {
  const config = loadCellConfig(node.dir);
  if (!config.cell.entry) return undefined;
  try {
    // The tree's SDK bundle is named by its content: sharing it changes nothing a running process reads.
    await buildCell(config, localDeps(node), { outFile: join(node.dir, TRIAL_DIR, 'main.mjs'), sdkDir: join(tree.root.dir, TREE_SDK_DIR) });
    return undefined;
  } catch (err) {
    return toCellError(err, 'CELL_E_BUILD_FAILED');
  } finally {
    rmSync(join(node.dir, TRIAL_DIR), { recursive: true, force: true });
  }
}

function consumersOf(tree: CellTree, producer: TreeNode): TreeNode[] {
  return tree.startOrder.filter((n) => Object.values(n.deps).includes(producer));
}

/**
 * `cell reload <producer> --with-consumers`, for a producer change that breaks the consumers
 * running against its old genome (without a major bump), while the tree runs: regenerates each
 * consumer's bindings and cell.lock from the producer's new source genome and builds it (type
 * checks included) — a consumer that no longer compiles refuses the whole move, its files put
 * back and nothing reloaded — then reloads the producer, then each consumer in start order.
 */
export async function reloadWithConsumers(dir: string): Promise<ConsumersReload> {
  const running = runningTree(dir);
  await running.control.$close();
  const tree = loadCellTree(running.root);
  const producer = tree.nodes.find((n) => n.dir === dir);
  if (!producer) throw new CellError('CELL_E_CONFIG_NOT_FOUND', `${dir} is not a cell of the tree running at ${running.root}`, { details: { cell: dir, root: running.root } });
  const next = await genomeFromSource(loadCellConfig(producer.dir));
  if (!next) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${producer.name} has no contract module, so there is no new genome to move its consumers to; reload it alone (cell reload ${dir})`);
  }
  const consumers = consumersOf(tree, producer);
  const saved = consumers.flatMap((c) => [
    save(join(c.dir, LOCK_FILE)),
    ...Object.entries(c.deps).filter(([, p]) => p === producer).map(([dep]) => save(join(c.dir, BINDINGS_DIR, `${dep}.ts`))),
  ]);
  const failed = await trialBuild(tree, producer);
  if (failed) throw failed;
  let out: ConsumersReload;
  try {
    await lockConsumersTo(tree, producer, next);
    const failures = (await Promise.all(consumers.map(async (c) => [c, await trialBuild(tree, c)] as const))).filter(([, e]) => e !== undefined);
    if (failures.length > 0) {
      throw new CellError(
        'CELL_E_BUILD_FAILED',
        `refused: ${failures.map(([c]) => c.name).join(', ')} no longer compile${failures.length === 1 ? 's' : ''} against ${producer.name} ${next.version}; nothing was reloaded, their bindings and cell.lock are as they were:\n` +
          failures.map(([c, e]) => `  ${c.name}: ${e!.message.replaceAll('\n', '\n  ')}`).join('\n'),
        { details: { producer: producer.name, version: next.version, errors: failures.map(([c, e]) => ({ cell: c.name, code: e!.code, message: e!.message, details: e!.details })) } },
      );
    }
    out = { producer: { cell: producer.name, version: next.version, ...(await reloadCell(producer.dir)) }, consumers: [] };
  } catch (err) {
    restore(saved); // the producer was not reloaded: nothing runs differently, the consumers' files go back
    throw err;
  }
  for (const c of consumers) {
    if (!c.config.cell.entry) continue;
    try {
      const r = await reloadCell(c.dir);
      out.consumers.push({ cell: c.name, replaced: r.replaced, rebuilt: r.rebuilt });
    } catch (err) {
      const e = toCellError(err);
      const done = out.consumers.map((x) => x.cell);
      throw new CellError(e.code as 'CELL_E_INTERNAL', `${producer.name} ${next.version} was reloaded${done.length > 0 ? `, and ${done.join(', ')}` : ''}, but ${c.name} could not be: ${e.message}; fix it and run \`cell reload ${c.dir}\``, {
        details: { reloaded: [producer.name, ...done], failed: c.name, cause: e.details },
        cause: e,
      });
    }
  }
  return out;
}
