import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { CellError } from '@cell/protocol';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

function camel(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function files(name: string): Record<string, string> {
  const contract = `${camel(name)}Contract`;
  return {
    'cell.toml': `[cell]
name    = "${name}"
version = "0.1.0"
entry   = "src/main.ts"

[resources]
memory = { max = "256MB" }

[life_cycle]
restart = { max = 5, within = "60s", backoff = "100ms..5s" }

[deps]
# payments = "../payments"
`,
    'src/contract.ts': `import { defineContract, Type, unary } from '@cell/sdk';

/** The contract of the ${name} cell: its methods, and the errors its callers must handle. */
export const ${contract} = defineContract({
  name: '${name}',
  version: '0.1.0',
  methods: {
    greet: unary({
      description: 'Says hello to someone.',
      input: Type.Object({ name: Type.String({ minLength: 1 }) }),
      output: Type.Object({ greeting: Type.String() }),
      errors: { Shy: Type.Object({ reason: Type.String() }) },
    }),
  },
});
`,
    'src/handlers.ts': `import type { Handlers } from '@cell/sdk';
import type { ${contract} } from './contract.ts';

/** The ${name} cell's behaviour, one function per method of its contract. */
export const handlers: Handlers<typeof ${contract}> = {
  greet: ({ name }, ctx) => {
    if (name.toLowerCase() === 'nobody') throw ctx.fail('Shy', { reason: 'will not greet nobody' });
    return { greeting: \`Hello, \${name}!\` };
  },
};
`,
    'src/main.ts': `import { serve } from '@cell/sdk';
import { ${contract} } from './contract.ts';
import { handlers } from './handlers.ts';

await serve(${contract}, handlers);
`,
    'src/main.test.ts': `// Run with: node --test 'src/**/*.test.ts'   (Node 24 runs TypeScript directly)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, serve } from '@cell/sdk';
import { ${contract} } from './contract.ts';
import { handlers } from './handlers.ts';

test('${name} greets, and refuses nobody with a typed error', async () => {
  const dir = mkdtempSync(join(tmpdir(), '${name}-'));
  const membrane = await serve(${contract}, handlers, { socketPath: join(dir, 'test.sock') });
  const client = connect(${contract}, { socketPath: join(dir, 'test.sock') });
  try {
    assert.deepEqual(await client.greet({ name: 'Ada' }), { greeting: 'Hello, Ada!' });
    const refused = await client.greet.try({ name: 'nobody' });
    assert.equal(refused.ok, false);
    assert.equal(refused.error?.code, 'Shy');
  } finally {
    await client.$close();
    await membrane.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
`,
    '.gitignore': '.cell/\nrun/\nlog/\n',
  };
}

/** `cell init <name>`: a cell that runs at once (`cell mitosis <name>`), with a test. */
export function initCommand(target: string): { dir: string; files: string[] } {
  const dir = resolve(target);
  const name = basename(dir);
  if (!NAME.test(name)) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `cell name "${name}" must be kebab-case (a-z, 0-9, -), starting with a letter`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new CellError('CELL_E_INVALID_ARGUMENT', `${dir} already exists and is not empty`);
  }
  const written: string[] = [];
  for (const [path, content] of Object.entries(files(name))) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
    written.push(path);
  }
  return { dir, files: written };
}
