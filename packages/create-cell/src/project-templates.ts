import type { Files } from './cell-templates.ts';

/** The versions a new project depends on: Cell's own, and the TypeScript tools Cell is tested with. */
export interface Versions {
  cell: string;
  typescript: string;
  typesNode: string;
}

/** Where a project's sources are: its cells under cells/ (a tree), or one cell at its root. */
export type Layout = 'tree' | 'cell';

const SOURCES: Record<Layout, string> = { tree: 'cells/*/', cell: '' };

export const GITIGNORE = 'node_modules/\n.cell/\nrun/\nlog/\ndata/\n';

/** package.json of a project: Cell's packages and scripts that build, run and test it. */
export function packageJson(name: string, versions: Versions, layout: Layout): string {
  const pkg = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      start: 'cell mitosis .',
      build: 'cell build .',
      test: `cell build . && node --test "${SOURCES[layout]}src/**/*.test.ts"`,
    },
    dependencies: { '@cell/sdk': versions.cell },
    devDependencies: { '@cell/cli': versions.cell, typescript: versions.typescript, '@types/node': versions.typesNode },
    engines: { node: '>=22.22' },
    // npm 11 runs only the install scripts a project allows: esbuild's checks its binary, msgpackr-extract's
    // installs the native msgpack codec the SDK uses when present.
    allowScripts: { esbuild: true, 'msgpackr-extract': true },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

/** tsconfig.json of a project: strict, and shaped for Node running the sources as they are. */
export function tsconfigJson(layout: Layout): string {
  const tsconfig = {
    compilerOptions: {
      target: 'es2023',
      lib: ['es2023'],
      module: 'nodenext',
      moduleResolution: 'nodenext',
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      // Node runs these files as they are (type stripping): imports name the .ts file, no emit.
      allowImportingTsExtensions: true,
      verbatimModuleSyntax: true,
      erasableSyntaxOnly: true,
      noEmit: true,
      skipLibCheck: true,
    },
    include: [`${SOURCES[layout]}src/**/*.ts`, `${SOURCES[layout]}.cell/bindings/*.ts`],
  };
  return `${JSON.stringify(tsconfig, null, 2)}\n`;
}

/** The files of a new tree project: the above, the root cell.toml, a README, .gitignore. */
export function projectFiles(name: string, versions: Versions, cells: { producer: string; consumer: string }): Files {
  return {
    'package.json': packageJson(name, versions, 'tree'),
    'tsconfig.json': tsconfigJson('tree'),
    'cell.toml': `# The ${name} tree. \`npx cell mitosis .\` builds, type-checks and starts every cell under cells/.
[cell]
name        = "${name}"
version     = "0.1.0"
description = "${cells.consumer} calls ${cells.producer} through generated, type-checked bindings."
`,
    'README.md': `# ${name}
Two cells: \`cells/${cells.producer}\` serves \`greet\`; \`cells/${cells.consumer}\` calls it through bindings generated from its contract.
- \`npm start\` builds, type-checks and runs the tree; then \`npx cell call cells/${cells.consumer} welcome '{"name":"Ada"}'\`.
- \`npx cell status\`, \`npx cell logs -f\`, \`npx cell stop\`; \`npx cell init cells/<name>\` adds a cell.
- \`npm test\` builds (which writes the bindings) and runs each cell's tests.
`,
    '.gitignore': GITIGNORE,
  };
}
