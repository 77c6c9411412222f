// A cell that tries what a hostile cell would, and reports what the capsid let it do. Its handlers
// never throw for a refused attempt: they return the errno, so tests assert on codes.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleIfChanged } from '../../ribosome/bundle.ts';

export { probeContract } from './probe-contract.ts';

/** The probe cell's contract module: this one, bundled into the cell. */
const CONTRACT = `export { probeContract } from ${JSON.stringify(fileURLToPath(new URL('./probe-contract.ts', import.meta.url)))};\n`;

/** The probe cell's code: the one the probe tree (test/fixtures/probe-tree) publishes to donors. */
const MAIN = readFileSync(fileURLToPath(new URL('../../../../../test/fixtures/probe-tree/cells/probe/src/main.ts', import.meta.url)), 'utf8');

/** Writes the probe cell into `dir` and bundles it (SDK included) into `dir/.cell/build/main.mjs`. */
export async function writeProbeCell(dir: string): Promise<void> {
  mkdirSync(join(dir, 'src'), { recursive: true });
  writeFileSync(join(dir, 'src', 'contract.ts'), CONTRACT);
  writeFileSync(join(dir, 'src', 'main.ts'), MAIN);
  await bundleIfChanged({ cell: 'probe', dir, entry: 'src/main.ts', outFile: join(dir, '.cell', 'build', 'main.mjs') });
}
