import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { CellTree } from '@cell/config';
import type { Genome } from '@cell/contract';
import type { Logger } from '@cell/sdk';
import { GENOME_FILE, readGenomeFile } from '../ribosome/contract-genome.ts';
import { HttpDoor } from './http-door.ts';

/** A cell's genome as its last build (or its running replicas) recorded it, read again only when the file changed (a reload). */
export function recordedGenome(dir: string): () => Genome | undefined {
  let seen: { mtimeMs: number; genome: Genome | undefined } | undefined;
  return () => {
    const mtimeMs = statSync(join(dir, GENOME_FILE), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (seen?.mtimeMs !== mtimeMs) seen = { mtimeMs, genome: readGenomeFile(dir) };
    return seen.genome;
  };
}

/** Opens the tree's HTTP door when its root cell.toml has `[gateway]` (its cells are known: the tree was checked). */
export async function openGateway(tree: CellTree, log: Logger): Promise<HttpDoor | undefined> {
  const config = tree.root.config.gateway;
  if (!config) return undefined;
  const cells = config.cells.map((name) => {
    const node = tree.nodes.find((n) => n.name === name)!;
    return { name, dir: node.dir, genome: recordedGenome(node.dir) };
  });
  const door = await HttpDoor.open(config, cells, { name: tree.root.name, version: tree.root.config.cell.version }, log.child({ component: 'runtime.gateway' }));
  const { host, port } = door.address;
  log.info({ url: `http://${host}:${port}`, cells: config.cells }, 'gateway listening');
  return door;
}
