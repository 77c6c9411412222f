import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CONTRACT = `import { defineContract, Type, unary } from '@cell/sdk';
export const contract = (name: string) =>
  defineContract({ name, version: '1.0.0', methods: { echo: unary({ input: Type.Object({ n: Type.Integer() }), output: Type.Object({ n: Type.Integer() }) }) } });
`;

/** Writes a tree of `count` trivial echo cells (each its own entry) and returns its root. */
export function writeTrivialTree(count: number, lifeCycle = ''): string {
  const root = mkdtempSync(join(tmpdir(), `cell-bench-${count}-`));
  writeFileSync(join(root, 'cell.toml'), `[cell]\nname = "bench-tree"\nversion = "1.0.0"\n`);
  mkdirSync(join(root, 'shared'), { recursive: true });
  writeFileSync(join(root, 'shared', 'contract.ts'), CONTRACT);
  for (let i = 0; i < count; i++) {
    const name = `c${i}`;
    const dir = join(root, 'cells', name);
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'cell.toml'), `[cell]\nname = "${name}"\nversion = "1.0.0"\nentry = "src/main.ts"\n${lifeCycle ? `[life_cycle]\n${lifeCycle}\n` : ''}`);
    writeFileSync(
      join(dir, 'src', 'main.ts'),
      `import { serve } from '@cell/sdk';\nimport { contract } from '../../../shared/contract.ts';\nawait serve(contract('${name}'), { echo: ({ n }) => ({ n }) });\n`,
    );
  }
  return root;
}
