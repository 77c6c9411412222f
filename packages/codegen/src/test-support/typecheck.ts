import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));

export interface Diagnostic {
  code: number;
  message: string;
  file: string | undefined;
  line: number | undefined;
}

/** The compiler options the repository itself checks with (strict, NodeNext, .ts imports). */
export const STRICT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: true,
  types: ['node'],
};

/** Runs the real TypeScript compiler on `files` and returns its diagnostics. */
export function typecheck(files: string[], options: ts.CompilerOptions = STRICT_OPTIONS): Diagnostic[] {
  const program = ts.createProgram(files, options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
    return {
      code: d.code,
      message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
      file: d.file?.fileName,
      line: pos ? pos.line + 1 : undefined,
    };
  });
}

/** A temp dir whose node_modules is this repository's (so `@cell/sdk` resolves in fixtures). */
export function fixtureDir(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'cell-tsc-'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  writePackageJson(dir);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function writePackageJson(dir: string): void {
  // NodeNext resolution reads the nearest package.json for the module format.
  ts.sys.writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
}
