// `node tools/tsc.ts <tsc arguments>`: the repository's own `tsc -b` (npm run typecheck / build)
// with TypeScript 7, the native compiler the runtime ships for the cells' type-check
// (packages/runtime depends on it), on one thread: on the 2-core machine the README's figures
// come from, a clean `tsc -b` took 8.4 s this way, 19.6 s with TypeScript 7's default threads and
// 30.8 s with TypeScript 5.9 (medians of 3). The root `typescript` stays 5.9: typescript-eslint
// needs its JavaScript API, and its `tsc` bin is the one `npx tsc` runs.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const runtime = createRequire(new URL('../packages/runtime/package.json', import.meta.url));
const packageJson = runtime.resolve('typescript/package.json');
const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
if (!version.startsWith('7.')) throw new Error(`expected TypeScript 7 beside packages/runtime, found ${version} (${packageJson})`);
const platform = `@typescript/typescript-${process.platform}-${process.arch}`;
const exe = join(dirname(createRequire(packageJson).resolve(`${platform}/package.json`)), 'lib', process.platform === 'win32' ? 'tsc.exe' : 'tsc');
const r = spawnSync(exe, [...process.argv.slice(2), '--singleThreaded'], { stdio: 'inherit' });
process.exitCode = r.status ?? 1;
