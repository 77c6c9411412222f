import { rmSync } from 'node:fs';
import type { CellTree } from '@cell/config';
import { type NucleusPointer, nucleusPointerPath, nucleusSocketPath, readNucleusPointer, privateRunDir } from '@cell/host';
import { writeFileAtomic } from '../files/write-atomic.ts';

/** This nucleus, as every cell of its tree points to it. */
export function ownPointer(tree: CellTree): NucleusPointer {
  return { pid: process.pid, socket: nucleusSocketPath(tree.root.dir), root: tree.root.dir };
}

/** Writes `run/nucleus.json` in every cell of the tree (run/ is private: 0700). */
export function writePointers(tree: CellTree): void {
  const pointer = `${JSON.stringify(ownPointer(tree))}\n`;
  for (const node of tree.nodes) {
    privateRunDir(node.dir);
    writeFileAtomic(nucleusPointerPath(node.dir), pointer, 0o600);
  }
}

/** Removes the pointers that name this nucleus — never another tree's. */
export function removePointers(tree: CellTree): void {
  for (const node of tree.nodes) {
    const p = readNucleusPointer(node.dir);
    if (!p || p.pid === process.pid) rmSync(nucleusPointerPath(node.dir), { force: true });
  }
}
