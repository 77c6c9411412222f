import { fileURLToPath } from 'node:url';
import { cellToml } from './helpers.ts';

const CONTRACT = fileURLToPath(new URL('./work-contract.ts', import.meta.url));

/** Source of a test cell: echo, whoami, slow, eat (allocates until killed), version. */
export function workCellFiles(dir: string, options: { name?: string; toml?: string; version?: string; crashOnStart?: boolean; startDelayMs?: number } = {}): Record<string, string> {
  const name = options.name ?? 'work';
  return {
    [`${dir}/cell.toml`]: cellToml(name, options.toml ?? ''),
    [`${dir}/src/contract.ts`]: `import { workContract } from ${JSON.stringify(CONTRACT)};
export const contract = workContract('${name}');
`,
    [`${dir}/src/main.ts`]: `import { serve } from '@cell/sdk';
import { contract } from './contract.ts';
${options.crashOnStart ? "throw new Error('boom at start');" : ''}
${options.startDelayMs ? `await new Promise((r) => setTimeout(r, ${options.startDelayMs}));` : ''}
const VERSION = '${options.version ?? 'v1'}';
const hoard: Buffer[] = [];
await serve(contract, {
  echo: ({ n }) => ({ n }),
  whoami: () => ({ pid: process.pid, replica: process.env.CELL_REPLICA ?? '', version: VERSION }),
  slow: ({ ms }) => new Promise((r) => setTimeout(() => r({ pid: process.pid }), ms)),
  eat: async ({ mb }) => {
    for (let i = 0; i < mb; i++) {
      hoard.push(Buffer.alloc(1024 * 1024, 1));
      if (i % 16 === 0) await new Promise((r) => setImmediate(r));
    }
    return { ate: mb };
  },
});
`,
  };
}
