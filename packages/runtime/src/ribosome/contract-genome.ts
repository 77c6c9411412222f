import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CellError } from '@cell/protocol';
import type { CellConfig } from '@cell/config';
import { type Contract, type Genome, toGenome } from '@cell/contract';
import { bundleIfChanged } from './bundle.ts';
import { contractsOf } from './contract-module.ts';
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

/**
 * The genome a cell's source declares, read from its contract module (`[cell] contract`, default
 * `src/contract.ts`). The module is bundled and loaded only when it changed. Undefined for a cell
 * without a contract module (its genome is then recorded from the running cell). This is the
 * *next* genome; `.cell/genome.json` holds the one that was last built.
 */
export async function genomeFromSource(config: CellConfig): Promise<Genome | undefined> {
  const source = config.cell.contract;
  if (!source) return undefined;
  const outFile = join(config.dir, '.cell', 'build', 'contract.mjs');
  const cacheFile = join(config.dir, '.cell', 'build', 'contract.genome.json');
  const { rebuilt } = await bundleIfChanged({ cell: config.cell.name, dir: config.dir, entry: source, outFile });
  if (!rebuilt && existsSync(cacheFile)) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as Genome;
    } catch {
      // unreadable cache: load the module again below
    }
  }
  const contracts = (await contractsOf(outFile, config.cell.name)).filter(isContract);
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
