import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError, toCellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import { type Contract, type Genome, toGenome } from '@cell/contract';
import { bundleIfChanged } from './bundle.ts';
import { contractsOf, contractsOfMany } from './contract-module.ts';
import { writeFileAtomic } from '../files/write-atomic.ts';

/** Where a built cell keeps its genome. */
export const GENOME_FILE = join('.cell', 'genome.json');

function isContract(value: unknown): value is Contract {
  const v = value as Partial<Contract> | null;
  return typeof v === 'object' && v !== null && typeof v.name === 'string' && typeof v.version === 'string' && typeof v.methods === 'object' && typeof v.events === 'object';
}

/** The genome of the cell's last build (`.cell/genome.json`), if any. */
export function readGenomeFile(dir: string): Genome | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, GENOME_FILE), 'utf8')) as Genome;
  } catch {
    return undefined;
  }
}

/** Records a genome in `.cell/genome.json` (for cells whose genome is only known live). */
export function writeGenomeFile(dir: string, genome: Genome): void {
  writeFileAtomic(join(dir, GENOME_FILE), `${JSON.stringify(genome, null, 2)}\n`);
}

/** A contract module after bundling: its genome known from the cache, or a bundle to read. */
type BundledContract = { genome: Genome } | { bundle: string; cacheFile: string };

/** Bundles a cell's contract module (only when it changed); undefined for a cell without one. */
async function bundleContract(config: CellConfig): Promise<BundledContract | undefined> {
  const source = config.cell.contract;
  if (!source) return undefined;
  const bundle = join(config.dir, '.cell', 'build', 'contract.mjs');
  const cacheFile = join(config.dir, '.cell', 'build', 'contract.genome.json');
  const { rebuilt } = await bundleIfChanged({ cell: config.cell.name, dir: config.dir, entry: source, outFile: bundle });
  if (!rebuilt && existsSync(cacheFile)) {
    try {
      return { genome: JSON.parse(readFileSync(cacheFile, 'utf8')) as Genome };
    } catch {
      // unreadable cache: read the module again
    }
  }
  return { bundle, cacheFile };
}

/** The genome of the one contract among `exported` that is the cell's, checked against cell.toml; cached for the next build. */
function genomeOf(config: CellConfig, exported: unknown[], cacheFile: string): Genome {
  const source = config.cell.contract;
  const contracts = exported.filter(isContract);
  const contract = contracts.find((c) => c.name === config.cell.name) ?? (contracts.length === 1 ? contracts[0] : undefined);
  if (!contract) {
    throw new CellError('CELL_E_BUILD_FAILED', `${source} exports no contract named "${config.cell.name}" (found: ${contracts.map((c) => c.name).join(', ') || 'none'})`);
  }
  if (contract.name !== config.cell.name) {
    throw new CellError('CELL_E_BUILD_FAILED', `the contract in ${source} is named "${contract.name}" but the cell is "${config.cell.name}"; they must match`);
  }
  if (contract.version !== config.cell.version) {
    throw new CellError('CELL_E_BUILD_FAILED', `the contract in ${source} has version ${contract.version} but cell.toml says ${config.cell.version}; they must match`);
  }
  const genome = toGenome(contract);
  writeFileAtomic(cacheFile, `${JSON.stringify(genome)}\n`);
  return genome;
}

/**
 * The genome a cell's source declares, read from its contract module (`[cell] contract`, default
 * `src/contract.ts`). The module is bundled and read (in a child process) only when it changed.
 * Undefined for a cell without a contract module (its genome is then recorded from the running
 * cell). This is the *next* genome; `.cell/genome.json` holds the one that was last built.
 */
export async function genomeFromSource(config: CellConfig): Promise<Genome | undefined> {
  const bundled = await bundleContract(config);
  if (!bundled || 'genome' in bundled) return bundled?.genome;
  return genomeOf(config, await contractsOf(bundled.bundle, config.cell.name), bundled.cacheFile);
}

/**
 * The genomes of many cells at once (what `genomeFromSource` gives each): bundles `limit` at a
 * time, then reads every changed module in one child process. Per cell, its genome, undefined
 * (no contract module) or the error that cell's build fails with.
 */
export async function genomesFromSources(configs: readonly CellConfig[], limit = 4): Promise<Array<Genome | undefined | CellError<string>>> {
  const bundled = new Array<BundledContract | undefined | CellError<string>>(configs.length);
  const queue = configs.map((c, i) => [c, i] as const);
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) bundled[next[1]] = await bundleContract(next[0]).catch((err: unknown) => toCellError(err, 'CELL_E_BUILD_FAILED'));
    }),
  );
  const toRead = bundled.flatMap((b, i) => (b && !(b instanceof CellError) && 'bundle' in b ? [{ i, bundle: b.bundle, cacheFile: b.cacheFile }] : []));
  const read = await contractsOfMany(toRead.map((r) => ({ bundle: r.bundle, cell: configs[r.i]!.cell.name })));
  const out = bundled.map((b) => (b && !(b instanceof CellError) && 'genome' in b ? b.genome : b instanceof CellError ? b : undefined));
  toRead.forEach((r, k) => {
    const contracts = read[k]!;
    try {
      out[r.i] = contracts instanceof CellError ? contracts : genomeOf(configs[r.i]!, contracts, r.cacheFile);
    } catch (err) {
      out[r.i] = toCellError(err, 'CELL_E_BUILD_FAILED');
    }
  });
  return out;
}
