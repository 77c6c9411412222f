import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import { type CellConfig, secretFileProblem } from '@cell/config';
import { interpolate } from './interpolate.ts';
import { LOCAL_HOST, portVariables, type ReplicaPorts } from './port-allocation.ts';

/** Where a replica runs: its cell's directory and the ports it was given. */
export interface ReplicaPlace {
  /** The cell's name in the tree (`CELL_NAME`). */
  cell: string;
  replica: string;
  ports: ReplicaPorts;
}

/** A cell's data directory (`data/`): it survives restarts and reloads, and is never inside `.cell/` or `run/`. */
export function dataDir(config: Pick<CellConfig, 'dir'>): string {
  return join(config.dir, 'data');
}

/** A secret's value: its file's contents without the final newline; refused when others may read the file. */
function readSecret(cell: string, name: string, file: string): string {
  const problem = secretFileProblem(file);
  if (problem) throw new CellError('CELL_E_START_FAILED', `cell ${cell}: [secrets] ${name}: ${problem}`, { details: { cell, secret: name } });
  return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
}

/**
 * What a replica finds in its environment beyond the nucleus's launch environment (`inherited`,
 * which also holds the machine's own variables): `CELL_NAME`, `CELL_REPLICA`, `CELL_DATA`,
 * `CELL_RUN`, its ports (`PORT`, `PORT_<NAME>`), then `[env]` in order — each value expanded
 * against everything before it — then `[secrets]` read from their files.
 */
export function replicaVariables(config: CellConfig, place: ReplicaPlace, inherited: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const cell = place.cell;
  const own: Record<string, string> = {
    CELL_NAME: cell,
    CELL_REPLICA: place.replica,
    CELL_DATA: dataDir(config),
    CELL_RUN: join(config.dir, 'run'),
    ...portVariables(place.ports),
  };
  const scope: Record<string, string | undefined> = { ...inherited, ...own };
  for (const [name, template] of Object.entries(config.env)) own[name] = scope[name] = interpolate(template, scope, { cell, key: `[env] ${name}` });
  for (const [name, file] of Object.entries(config.secrets)) own[name] = readSecret(cell, name, file);
  return own;
}

/** `MY-DB` -> `MY_DB`: a dependency's name in a variable. */
function variableName(dep: string): string {
  return dep.toUpperCase().replaceAll('-', '_');
}

/**
 * What a dependent learns of a dependency that has ports, the way Compose service names work:
 * `CELL_DEP_<NAME>_HOST`, `_PORT` (the first), `_PORT_<P>`, `_ADDRS` (every replica's
 * `host:port`) and `_URL` (the dependency's `[cell] url`, else `tcp://host:port`, expanded
 * against `inherited` — a donor passes nothing of its own environment — and HOST and PORT).
 */
export function dependencyVariables(dep: string, producer: Pick<CellConfig, 'cell' | 'process'>, ports: readonly ReplicaPorts[], inherited: Readonly<Record<string, string | undefined>> = process.env): Record<string, string> {
  const first = ports[0];
  if (!first || first.length === 0) return {};
  const prefix = `CELL_DEP_${variableName(dep)}_`;
  const scope = { ...inherited, HOST: LOCAL_HOST, ...portVariables(first) };
  return {
    [`${prefix}HOST`]: LOCAL_HOST,
    ...portVariables(first, prefix),
    [`${prefix}ADDRS`]: ports.map((p) => `${LOCAL_HOST}:${p[0]!.port}`).join(','),
    [`${prefix}URL`]: interpolate(producer.process?.url ?? 'tcp://${HOST}:${PORT}', scope, { cell: producer.cell.name, key: '[cell] url' }),
  };
}
