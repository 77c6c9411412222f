import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CellConfig } from '@cell/config';

/** What the type-check of one cell compiles: its entry and its contract module (and what they import). */
export interface TypecheckTarget {
  name: string;
  dir: string;
  /** Absolute paths of the program's root files. */
  roots: string[];
}

const TYPESCRIPT_FILE = /\.(?:c|m)?tsx?$/;

/** The cell as a type-check target; undefined for a group, or a cell whose entry is JavaScript. */
export function typecheckTarget(config: CellConfig): TypecheckTarget | undefined {
  const entry = config.cell.entry;
  if (!entry || !TYPESCRIPT_FILE.test(entry)) return undefined;
  const roots = [entry];
  if (config.cell.contract && config.cell.contract !== entry && TYPESCRIPT_FILE.test(config.cell.contract)) roots.push(config.cell.contract);
  return { name: config.cell.name, dir: config.dir, roots };
}

/**
 * Compiler options for a cell without a tsconfig.json above it: strict, and the module model of
 * the bundle it becomes (esbuild reads every file as an ES module and resolves like a bundler).
 */
export const DEFAULT_COMPILER_OPTIONS: Readonly<Record<string, unknown>> = Object.freeze({
  strict: true,
  target: 'es2024',
  lib: ['es2024', 'esnext.disposable'],
  module: 'preserve',
  moduleResolution: 'bundler',
  moduleDetection: 'force',
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  erasableSyntaxOnly: true,
  resolveJsonModule: true,
  skipLibCheck: true,
});

/**
 * Options every check forces, whatever the project's tsconfig says: check, never emit. Output
 * layout options are reset (null clears what `extends` brings): the program is other files than
 * the project's, and `rootDir` would be checked even without output.
 */
const FORCED_OPTIONS = { noEmit: true, incremental: true, composite: false, declaration: false, declarationMap: false, emitDeclarationOnly: false, rootDir: null, outDir: null, declarationDir: null };

/** One type-check program's configuration: cells with the same one are checked together. */
export interface ProgramConfig {
  /** Identifies the configuration (cells with equal keys share a program). */
  key: string;
  /** The project's tsconfig.json whose compiler options apply; undefined: the defaults. */
  tsconfig: string | undefined;
  compilerOptions: Record<string, unknown>;
  /**
   * The tsconfig files the options come from (the nearest one and what it extends), for
   * up-to-date checks; undefined when they could not all be found (then never up to date).
   */
  configFiles: string[] | undefined;
}

/** The nearest tsconfig.json in `dir` or a directory above it. */
export function nearestTsconfig(dir: string): string | undefined {
  for (let d = resolve(dir); ; d = dirname(d)) {
    const file = join(d, 'tsconfig.json');
    if (existsSync(file) && statSync(file).isFile()) return file;
    if (dirname(d) === d) return undefined;
  }
}

/**
 * How a cell is type-checked: the compiler options of the nearest tsconfig.json up from its
 * directory (what `extends` brings included; its files, include and references do not apply: the
 * program is the cell's entry and contract), else {@link DEFAULT_COMPILER_OPTIONS}. A cell that
 * cannot resolve `@cell/sdk` (or Node's types) from its own directory gets those Cell ships, as
 * its bundle does: a project checks before its first `npm install`.
 */
export function programConfig(target: TypecheckTarget): ProgramConfig {
  const tsconfig = nearestTsconfig(target.dir);
  const compilerOptions: Record<string, unknown> = tsconfig ? {} : { ...DEFAULT_COMPILER_OPTIONS };
  // Node's types from this runtime's installation when the project has none installed (yet).
  const hasNodeTypes = isInstalledFrom(target.dir, '@types/node');
  const nodeTypes = hasNodeTypes ? undefined : shippedPackageDir('@types/node');
  if (nodeTypes) compilerOptions['typeRoots'] = [dirname(nodeTypes)];
  if (!tsconfig) compilerOptions['types'] = hasNodeTypes || nodeTypes ? ['node'] : [];
  if (!isInstalledFrom(target.dir, '@cell/sdk')) {
    const sdk = shippedSdkTypes();
    if (sdk) compilerOptions['paths'] = { '@cell/sdk': [sdk.file] };
  }
  // This runtime runs from the repository's sources (its tests): the @cell packages a cell
  // imports are checked from theirs too, as its bundle is built from them, never from a stale dist/.
  if (RUNS_FROM_SOURCE) compilerOptions['customConditions'] = ['cell-source'];
  Object.assign(compilerOptions, FORCED_OPTIONS);
  const key = createHash('sha256').update(JSON.stringify([tsconfig ?? null, compilerOptions])).digest('hex').slice(0, 16);
  return { key, tsconfig, compilerOptions, configFiles: tsconfig ? tsconfigChain(tsconfig) : [] };
}

/** The tsconfig.json of a program checking `roots`, with its incremental state in `buildInfoFile`. */
export function programTsconfig(program: ProgramConfig, roots: readonly string[], buildInfoFile: string): string {
  const config = {
    ...(program.tsconfig ? { extends: program.tsconfig } : {}),
    compilerOptions: { ...program.compilerOptions, tsBuildInfoFile: buildInfoFile },
    files: [...roots],
    include: [],
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** True when `pkg` is installed in a node_modules of `dir` or a directory above it. */
function isInstalledFrom(dir: string, pkg: string): boolean {
  for (let d = resolve(dir); ; d = dirname(d)) {
    if (existsSync(join(d, 'node_modules', pkg, 'package.json'))) return true;
    if (dirname(d) === d) return false;
  }
}

/** Where the installation this runtime runs from has `pkg`. */
function shippedPackageDir(pkg: string): string | undefined {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    const dir = join(d, 'node_modules', pkg);
    if (existsSync(join(dir, 'package.json'))) return realpathSync(dir);
    if (dirname(d) === d) return undefined;
  }
}

/** True when this module is the TypeScript source (the repository), not the compiled package. */
const RUNS_FROM_SOURCE = extname(fileURLToPath(import.meta.url)) === '.ts';

/** The file giving the types of the SDK this runtime ships: its sources when this runtime runs from sources. */
function shippedSdkTypes(): { file: string } | undefined {
  const dir = shippedPackageDir('@cell/sdk');
  if (!dir) return undefined;
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports?: { '.'?: Record<string, string> }; types?: string };
  const entry = pkg.exports?.['.'];
  const rel = RUNS_FROM_SOURCE && entry?.['cell-source'] ? entry['cell-source'] : (entry?.['types'] ?? pkg.types);
  return rel ? { file: join(dir, rel) } : undefined;
}

/**
 * The tsconfig file and every file it extends, in order; undefined when one cannot be read or
 * found (then a check is never taken as up to date: it runs, which is always correct).
 */
export function tsconfigChain(file: string, seen: readonly string[] = []): string[] | undefined {
  if (seen.includes(file) || seen.length > 16) return undefined;
  let config: { extends?: string | string[] };
  try {
    config = JSON.parse(stripJsonComments(readFileSync(file, 'utf8'))) as { extends?: string | string[] };
  } catch {
    return undefined;
  }
  const chain = [file];
  const parents = config.extends === undefined ? [] : Array.isArray(config.extends) ? config.extends : [config.extends];
  for (const parent of parents) {
    const found = resolveExtends(file, parent);
    const sub = found ? tsconfigChain(found, [...seen, file]) : undefined;
    if (!sub) return undefined;
    chain.push(...sub);
  }
  return chain;
}

function resolveExtends(from: string, spec: string): string | undefined {
  if (spec.startsWith('.') || isAbsolute(spec)) {
    const path = resolve(dirname(from), spec);
    for (const candidate of [path, `${path}.json`, join(path, 'tsconfig.json')]) if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    return undefined;
  }
  const require = createRequire(from);
  for (const candidate of [spec, `${spec}.json`, `${spec}/tsconfig.json`]) {
    try {
      return require.resolve(candidate);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

/** tsconfig.json is JSON with comments and trailing commas: removes both (outside strings). */
export function stripJsonComments(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? text.length : end + 1;
    } else {
      out += c;
    }
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}
