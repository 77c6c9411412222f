#!/usr/bin/env node
// Plain JavaScript so that an older Node gets a clear message instead of a syntax error:
// the CLI itself is TypeScript, run directly by Node 24.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(`cell needs Node.js 24 or newer, and this is ${process.version}.\nRun it as \`npx cell\` in a project that pins Node 24 (this repository does: npm ci installs it).\n`);
  process.exit(2);
}
await import('../src/bin.ts');
