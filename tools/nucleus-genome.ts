// Writes packages/host/src/nucleus-genome.ts: the nucleus contract's genome as text, which a
// cell parses when it first talks to its nucleus instead of building the contract's schemas.
// Run after changing packages/host/src/nucleus-contract.ts (nucleus-genome.test.ts says so):
//   node --conditions=cell-source tools/nucleus-genome.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { toGenome } from '@cell/contract';
import { nucleusContract } from '@cell/host';

const target = fileURLToPath(new URL('../packages/host/src/nucleus-genome.ts', import.meta.url));
// Compact (a cell keeps its bundle's source in memory), one line per method (a change shows in a diff as its method's line).
const genome = toGenome(nucleusContract);
const field = ([key, value]: [string, unknown]) =>
  key === 'methods' ? `"methods": {\n${Object.entries(value as object).map(([name, m]) => `${JSON.stringify(name)}: ${JSON.stringify(m)}`).join(',\n')}\n}` : `${JSON.stringify(key)}: ${JSON.stringify(value)}`;
const json = `{\n${Object.entries(genome).map(field).join(',\n')}\n}`.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${');
writeFileSync(
  target,
  `// Written by tools/nucleus-genome.ts from nucleus-contract.ts: do not edit. nucleus-genome.test.ts
// fails when the two differ.
import type { Genome } from '@cell/contract';

// The genome of the nucleus contract as text: a cell that talks to its nucleus parses it then,
// and no cell builds the contract's TypeBox schemas (~0.12 MiB and ~0.8 ms of every cell's start).
const NUCLEUS_GENOME_JSON = \`${json}\`;

let genome: Genome | undefined;

/** The genome of the nucleus contract (\`toGenome(nucleusContract)\`), parsed on first use. */
export function nucleusGenome(): Genome {
  genome ??= Object.freeze(JSON.parse(NUCLEUS_GENOME_JSON) as Genome);
  return genome;
}
`,
);
console.log(`wrote ${target}`);
