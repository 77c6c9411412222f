// Structure checks run by `npm test`: no source file of a package over 300 lines unless its header
// says why, and the cells of the examples import no Cell package but the public SDK.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('..', import.meta.url).pathname;
const MAX_LINES = 300;
/** A file may be longer when its first comment block says why, starting with this. */
const REASON = 'Longer than 300 lines because';

function* files(dir: string, ext = '.ts'): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === '.tsbuild' || name === 'dist' || name === '.cell' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path, ext);
    else if (name.endsWith(ext)) yield path;
  }
}

const problems: string[] = [];
for (const pkg of readdirSync(join(ROOT, 'packages'))) {
  const src = join(ROOT, 'packages', pkg, 'src');
  for (const file of files(src)) {
    if (file.endsWith('.test.ts')) continue;
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length;
    if (lines > MAX_LINES && !text.slice(0, 2000).includes(REASON)) {
      problems.push(`${relative(ROOT, file)}: ${lines} lines; split it along its jobs, or say in its header "${REASON} ..."`);
    }
  }
}
for (const example of readdirSync(join(ROOT, 'examples'))) {
  const dir = join(ROOT, 'examples', example);
  if (!statSync(dir).isDirectory()) continue;
  for (const file of files(dir)) {
    if (!file.includes('/cells/') || file.endsWith('.test.ts')) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/from '(@cell\/[^']+)'/g)) {
      if (m[1] !== '@cell/sdk') problems.push(`${relative(ROOT, file)}: imports ${m[1]}; a cell imports only @cell/sdk`);
    }
  }
}
if (problems.length > 0) {
  process.stderr.write(`structure check failed:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write('structure: no file over 300 lines without a reason; cells import only @cell/sdk\n');
