import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { consumerCell, producerCell, type Files } from './cell-templates.ts';
import { GITIGNORE, packageJson, projectFiles, tsconfigJson, type Versions } from './project-templates.ts';

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/** What was written, or why nothing was. */
export type Scaffolded = { ok: true; dir: string; files: string[]; hints: string[] } | { ok: false; reason: string };

/** Why `name` cannot name a cell or project, if it cannot. */
export function invalidName(name: string): string | undefined {
  return NAME.test(name) ? undefined : `"${name}" must be kebab-case (a-z, 0-9, -), start with a letter, at most 63 characters`;
}

function refusal(dir: string): string | undefined {
  const name = basename(dir);
  const invalid = invalidName(name);
  if (invalid) return `name ${invalid}`;
  if (existsSync(dir) && readdirSync(dir).length > 0) return `${dir} already exists and is not empty`;
  return undefined;
}

function write(dir: string, files: Files): string[] {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return Object.keys(files);
}

function prefixed(prefix: string, files: Files): Files {
  return Object.fromEntries(Object.entries(files).map(([path, content]) => [`${prefix}/${path}`, content]));
}

/** A new project in `target`: package.json, tsconfig.json, a root cell.toml, two cells that call each other. */
export function scaffoldProject(target: string, versions: Versions): Scaffolded {
  const dir = resolve(target);
  const refused = refusal(dir);
  if (refused) return { ok: false, reason: refused };
  const cells = { producer: 'greeter', consumer: 'welcome' };
  const files: Files = {
    ...projectFiles(basename(dir), versions, cells),
    ...prefixed(`cells/${cells.producer}`, producerCell(cells.producer)),
    ...prefixed(`cells/${cells.consumer}`, consumerCell(cells.consumer, cells.producer, `../${cells.producer}`)),
  };
  return { ok: true, dir, files: write(dir, files), hints: [] };
}

/** The nearest directory at or above `dir` holding `file`. */
function nearest(dir: string, file: string): string | undefined {
  for (let at = dir; ; at = dirname(at)) {
    if (existsSync(join(at, file))) return at;
    if (dirname(at) === at) return undefined;
  }
}

function dependsOnSdk(packageDir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    return Boolean(pkg.dependencies?.['@cell/sdk'] ?? pkg.devDependencies?.['@cell/sdk']);
  } catch {
    return false;
  }
}

/**
 * One new cell in `target`. Inside a project (a package.json above it) only the cell's files are
 * written, with hints for what the project still lacks; outside any project the cell gets its own
 * package.json and tsconfig.json, so it installs, runs and type-checks on its own.
 */
export function scaffoldCell(target: string, versions: Versions): Scaffolded {
  const dir = resolve(target);
  const refused = refusal(dir);
  if (refused) return { ok: false, reason: refused };
  const name = basename(dir);
  const project = nearest(dirname(dir), 'package.json');
  const cell = producerCell(name);
  if (!project) {
    const files = { ...cell, 'package.json': packageJson(name, versions, 'cell'), 'tsconfig.json': tsconfigJson('cell'), '.gitignore': GITIGNORE };
    return { ok: true, dir, files: write(dir, files), hints: [`cd ${relative(process.cwd(), dir) || '.'} && npm install`] };
  }
  const hints: string[] = [];
  if (!dependsOnSdk(project)) hints.push(`the project at ${project} does not depend on Cell yet: npm install @cell/sdk@${versions.cell} && npm install -D @cell/cli@${versions.cell}`);
  if (!nearest(dirname(dir), 'tsconfig.json')) hints.push(`no tsconfig.json above ${dir}: \`npm create cell\` writes one you can copy (strict, nodenext, allowImportingTsExtensions, noEmit)`);
  return { ok: true, dir, files: write(dir, cell), hints };
}
