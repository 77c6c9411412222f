import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** The files of a checked program, and which of them each cell's check depends on. */
export interface ProgramFiles {
  /** Every file of the program but the compiler's own lib files (absolute paths). */
  files: string[];
  /**
   * The files a check of `roots` depends on: those the roots import, directly or not, plus the
   * program's global ones (declarations loaded through `types`, any file that adds globals).
   * Undefined when a root is not part of the program.
   */
  inputsOf(roots: readonly string[]): Set<string> | undefined;
}

interface BuildInfo {
  fileNames?: string[];
  fileInfos?: Array<string | { affectsGlobalScope?: boolean }>;
  fileIdsList?: number[][];
  referencedMap?: Array<[number, number]>;
  /** Root files: single ids, or [first, last] ranges of ids. */
  root?: Array<number | [number, number]>;
}

// The compiler's bundled lib files are named without a directory; they change only with its version.
const COMPILER_LIB = /^lib\.[\w.]+\.d\.ts$/;

/**
 * Reads the import graph TypeScript recorded in a program's `.tsbuildinfo` (written by any
 * `incremental` check): file ids are 1-based indexes into `fileNames` (relative to the
 * .tsbuildinfo), `referencedMap` pairs a file with an index into `fileIdsList`. Undefined when
 * the file is missing or not in that shape: the caller then treats every check as not up to date.
 */
export function readProgramFiles(buildInfoFile: string): ProgramFiles | undefined {
  let info: BuildInfo;
  try {
    info = JSON.parse(readFileSync(buildInfoFile, 'utf8')) as BuildInfo;
  } catch {
    return undefined;
  }
  const names = info.fileNames;
  if (!Array.isArray(names) || !Array.isArray(info.referencedMap) || !Array.isArray(info.fileIdsList) || !Array.isArray(info.root)) return undefined;
  const base = dirname(buildInfoFile);
  const paths = names.map((n) => (COMPILER_LIB.test(n) ? undefined : resolve(base, n)));
  const edges = new Map<number, number[]>();
  for (const [file, list] of info.referencedMap) edges.set(file - 1, (info.fileIdsList[list - 1] ?? []).map((id) => id - 1));
  const reach = (starts: number[]): Set<number> => {
    const seen = new Set<number>();
    const stack = [...starts];
    for (let f = stack.pop(); f !== undefined; f = stack.pop()) {
      if (seen.has(f)) continue;
      seen.add(f);
      stack.push(...(edges.get(f) ?? []));
    }
    return seen;
  };
  const index = new Map<string, number>();
  paths.forEach((p, i) => p && index.set(p, i));
  const rootIds = info.root.flatMap((r) => (Array.isArray(r) ? Array.from({ length: r[1] - r[0] + 1 }, (_, k) => r[0] + k - 1) : [r - 1]));
  // Files no root file reaches came in through `types` or `lib`; global declarations reach every file.
  const referenced = reach(rootIds);
  const global = new Set<number>();
  paths.forEach((p, i) => {
    const fileInfo = info.fileInfos?.[i];
    if (p && (!referenced.has(i) || (typeof fileInfo === 'object' && fileInfo.affectsGlobalScope))) global.add(i);
  });
  return {
    files: paths.filter((p): p is string => p !== undefined),
    inputsOf(roots) {
      const starts = roots.map((r) => index.get(resolve(r)));
      if (starts.some((i) => i === undefined)) return undefined;
      const ids = reach(starts as number[]);
      for (const g of global) ids.add(g);
      return new Set([...ids].map((i) => paths[i]).filter((p): p is string => p !== undefined));
    },
  };
}
