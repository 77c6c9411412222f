import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellTree, TreeNode } from '@cell/config';
import { nucleusSocketPath, readNucleusPointer, replicaSocketPath, RUN_DIR } from '@cell/host';
import { MAX_SOCKET_PATH_BYTES } from '@cell/wire';
import { isRecordedProcessAlive, readPidFile } from '../files/pid-lock.ts';

// Checks a nucleus makes before it starts anything: what would fail later, fails now, with the reason.

/**
 * Refuses to start a tree one of whose cells already runs elsewhere — in another live nucleus's
 * tree (a tree that depends on a cell of another running tree), or on its own (started on demand
 * by `cell call`): the two would fight over its sockets, and this tree's pointers would hide the
 * other from `cell status` and `cell stop`. Nothing has started when it throws.
 */
export function refuseForeignCells(tree: CellTree): void {
  for (const node of tree.nodes) {
    const p = readNucleusPointer(node.dir);
    if (p && p.pid !== process.pid) {
      throw new CellError('CELL_E_TREE_RUNNING', `cell ${node.name} (${node.dir}) is already run by the tree at ${p.root} (nucleus pid ${p.pid}); stop that tree first, or depend on it over the network (axon://)`, {
        details: { cell: node.name, dir: node.dir, root: p.root, pid: p.pid },
      });
    }
    const pids = standalonePids(node);
    if (pids.length > 0) {
      throw new CellError('CELL_E_TREE_RUNNING', `cell ${node.name} (${node.dir}) already runs on its own (pid ${pids.join(', ')}, started on demand); stop it first (cell stop ${node.dir})`, {
        details: { cell: node.name, dir: node.dir, root: null, pid: pids[0] },
      });
    }
  }
}

/** Live processes of a cell started on its own, outside any tree (their pid files in its run/). */
function standalonePids(node: TreeNode): number[] {
  let files: string[];
  try {
    files = readdirSync(join(node.dir, RUN_DIR)).filter((f) => f.startsWith(`${node.name}-`) && f.endsWith('.pid'));
  } catch {
    return [];
  }
  return files.flatMap((f) => {
    const record = readPidFile(join(node.dir, RUN_DIR, f));
    return record?.startTime !== undefined && isRecordedProcessAlive(record) ? [record.pid] : [];
  });
}

/**
 * Refuses, before anything starts, a tree whose sockets cannot exist: Linux limits a Unix socket
 * path to 107 bytes, and a deep tree (or long names) can pass it.
 */
export function refuseLongSocketPaths(tree: CellTree): void {
  const paths = [nucleusSocketPath(tree.root.dir), ...tree.nodes.flatMap((n) => Array.from({ length: n.replicas }, (_, i) => replicaSocketPath({ name: n.name, dir: n.dir }, i)))];
  const long = paths.filter((p) => Buffer.byteLength(p) > MAX_SOCKET_PATH_BYTES);
  if (long.length > 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${long.length} socket path${long.length > 1 ? 's are' : ' is'} longer than the ${MAX_SOCKET_PATH_BYTES} bytes Linux allows, e.g. ${long[0]}; move the tree to a shorter path or shorten its cells' names`, {
      details: { paths: long, maxBytes: MAX_SOCKET_PATH_BYTES },
    });
  }
}
