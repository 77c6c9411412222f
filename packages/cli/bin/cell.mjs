#!/usr/bin/env node
// Plain JavaScript so that an older Node gets a clear message instead of a syntax error.
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 22) || (major === 24 && minor < 15) || major === 23) {
  process.stderr.write(`cell needs Node.js 22.22 or newer (22.x) or 24.15 or newer, and this is ${process.version}.\n`);
  process.exit(2);
}

const here = dirname(realpathSync(fileURLToPath(import.meta.url)));
const source = join(here, '..', 'src', 'bin.ts');
// In the Cell repository itself (not installed under node_modules), run the TypeScript sources of
// every Cell package — their `cell-source` export condition — so a change needs no build step.
const inRepository = !here.split(sep).includes('node_modules') && existsSync(source);
if (inRepository) {
  // Imported here, not at the top: an old Node lacks registerHooks and must reach the version check.
  const { registerHooks } = await import('node:module');
  registerHooks({
    resolve(specifier, context, next) {
      return next(specifier, { ...context, conditions: [...context.conditions, 'cell-source'] });
    },
  });
  await import(source);
} else {
  await import('../dist/bin.js');
}
