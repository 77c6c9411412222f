import { isAbsolute, relative, resolve, sep } from 'node:path';

/** One message of the compiler, as `tsc --pretty false` prints it. */
export interface TypecheckDiagnostic {
  /** Absolute path; null for a message about the whole program (an unknown compiler option). */
  file: string | null;
  /** 1-based, as tsc prints them (0 when there is no file). */
  line: number;
  column: number;
  category: 'error' | 'warning' | 'message';
  /** The TS number (2322 for TS2322). */
  code: number;
  /** The message, with the indented lines that explain it (a chain of reasons) joined by newlines. */
  message: string;
}

const LOCATED = /^(.+)\((\d+),(\d+)\): (error|warning|message) TS(\d+): (.*)$/;
const UNLOCATED = /^(error|warning|message) TS(\d+): (.*)$/;

/** Parses tsc's plain output (paths relative to `cwd`); lines that are no diagnostic are ignored. */
export function parseDiagnostics(output: string, cwd: string): TypecheckDiagnostic[] {
  const diagnostics: TypecheckDiagnostic[] = [];
  let last: TypecheckDiagnostic | undefined;
  for (const line of output.split(/\r?\n/)) {
    const located = LOCATED.exec(line);
    const unlocated = located ? null : UNLOCATED.exec(line);
    if (located) {
      const [, file, l, c, category, code, message] = located;
      last = { file: resolve(cwd, file!), line: Number(l), column: Number(c), category: category as TypecheckDiagnostic['category'], code: Number(code), message: message! };
      diagnostics.push(last);
    } else if (unlocated) {
      const [, category, code, message] = unlocated;
      last = { file: null, line: 0, column: 0, category: category as TypecheckDiagnostic['category'], code: Number(code), message: message! };
      diagnostics.push(last);
    } else if (last && line.startsWith('  ') && line.trim() !== '') {
      last.message += `\n${line}`;
    } else {
      last = undefined;
    }
  }
  return diagnostics;
}

/**
 * A diagnostic the way tsc prints it — `src/main.ts(12,5): error TS2322: ...` — its path
 * relative to `dir` (the cell's directory).
 */
export function formatDiagnostic(d: TypecheckDiagnostic, dir: string): string {
  const head = `${d.category} TS${d.code}: ${d.message}`;
  return d.file ? `${displayPath(d.file, dir)}(${d.line},${d.column}): ${head}` : head;
}

/** `file` relative to `dir`, with forward slashes (absolute when it is on another drive). */
export function displayPath(file: string, dir: string): string {
  const rel = relative(dir, file);
  return (isAbsolute(rel) ? file : rel).split(sep).join('/');
}
