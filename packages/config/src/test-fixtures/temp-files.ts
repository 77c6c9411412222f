import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'smol-toml';
import type { CellConfig, ConfigProblem } from '../cell-config.ts';
import { validateConfig } from '../internal/validate-config.ts';

/** Temp directories for tests: `files()` makes one, `cleanup()` (in afterEach) removes them all. */
export function tempFiles(): { files: (spec: Record<string, string>) => string; cleanup: () => void } {
  const roots: string[] = [];
  return {
    files(spec) {
      const root = mkdtempSync(join(tmpdir(), 'cell-config-'));
      roots.push(root);
      for (const [path, content] of Object.entries(spec)) {
        mkdirSync(dirname(join(root, path)), { recursive: true });
        writeFileSync(join(root, path), content);
      }
      return root;
    },
    cleanup() {
      for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The code and problems of the config error `fn` throws. */
export function problemsOf(fn: () => unknown): { code: string; problems: ConfigProblem[] } {
  try {
    fn();
  } catch (err) {
    const e = err as { code: string; details: { problems: ConfigProblem[] } };
    return { code: e.code, problems: e.details.problems };
  }
  throw new Error('expected an error');
}

/** Problems by key (the first of each). */
export function byKey(problems: ConfigProblem[]): Record<string, ConfigProblem> {
  const out: Record<string, ConfigProblem> = {};
  for (const p of problems) out[p.key] ??= p;
  return out;
}

/** Validates cell.toml text as if it were `<dir>/cell.toml` (paths resolve against `dir`). */
export function validateToml(toml: string, dir = '/nonexistent/cell'): { config: CellConfig | undefined; problems: ConfigProblem[] } {
  return validateConfig(parse(toml) as Record<string, unknown>, join(dir, 'cell.toml'), dir, toml);
}
