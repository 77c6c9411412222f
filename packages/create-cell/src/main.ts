import { spawnSync } from 'node:child_process';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { scaffoldProject } from './scaffold.ts';
import { currentVersions } from './versions.ts';

const USAGE = `Usage: npm create cell@latest [dir] [-- --skip-install]

Creates a Cell project in dir (default: cell-app): two cells that call each other through
generated bindings, a test for each, package.json, tsconfig.json; then runs npm install.

Options:
  --skip-install   write the files only
  -h, --help       this text
`;

/** Runs `npm install` the way the npm that started us would: the same npm, under the same Node. */
function npmInstall(dir: string): number {
  const npm = process.env['npm_execpath'];
  const [cmd, args] = npm && npm.endsWith('.js') ? [process.execPath, [npm, 'install']] : ['npm', ['install']];
  const r = spawnSync(cmd, args, { cwd: dir, stdio: 'inherit' });
  return r.status ?? 1;
}

/** `create-cell [dir] [--skip-install]`; returns the exit code. */
export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { 'skip-install': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (parsed.positionals.length > 1) {
    process.stderr.write(`one directory only, got ${parsed.positionals.length}\n\n${USAGE}`);
    return 2;
  }
  const result = scaffoldProject(parsed.positionals[0] ?? 'cell-app', currentVersions());
  if (!result.ok) {
    process.stderr.write(`create-cell: ${result.reason}; nothing was written\n`);
    return 2;
  }
  const shown = relative(process.cwd(), result.dir) || '.';
  process.stdout.write(`Created ${shown}:\n${result.files.map((f) => `  ${f}`).join('\n')}\n`);
  if (parsed.values['skip-install']) {
    process.stdout.write(`\nNext: cd ${shown} && npm install && npm start\n`);
    return 0;
  }
  process.stdout.write('\nInstalling with npm install…\n');
  const status = npmInstall(result.dir);
  if (status !== 0) {
    process.stderr.write(`npm install failed (exit ${status}); the project is written: cd ${shown} && npm install\n`);
    return 1;
  }
  process.stdout.write(`\nNext: cd ${shown} && npm start     (then, in another terminal: npx cell call cells/welcome welcome '{"name":"Ada"}')\n`);
  return 0;
}
