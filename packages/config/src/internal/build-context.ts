import type { StaticDecode, TSchema } from 'typebox';
import type { KeyPath, ProblemReport } from './problem-report.ts';
import { decode } from './schema-kit.ts';

/**
 * What a table's build step sees after the schema check: the document (defaults applied), the
 * cell's directory, and the problems so far. Build steps read only clean keys (nothing wrong at,
 * under or above them), so they can trust the schema's types, and still run when other keys are
 * wrong: every problem of a file is reported at once.
 */
export class BuildContext {
  /** Absolute directory of the cell.toml. */
  readonly dir: string;
  private readonly document: unknown;
  private readonly report: ProblemReport;

  constructor(dir: string, document: unknown, report: ProblemReport) {
    this.dir = dir;
    this.document = document;
    this.report = report;
  }

  /** The value at `path` as written (defaults applied), clean or not; undefined when absent. */
  raw(path: KeyPath): unknown {
    let node = this.document;
    for (const key of path) {
      if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined;
      node = (node as Record<string | number, unknown>)[key];
    }
    return node;
  }

  /** True when nothing was found wrong at, under or above `path`. */
  isClean(path: KeyPath): boolean {
    return this.report.isClean(path);
  }

  /** The value at `path` decoded by its schema (units converted), when present and clean. */
  decoded<S extends TSchema>(path: KeyPath, schema: S): StaticDecode<S> | undefined {
    const value = this.raw(path);
    return value === undefined || !this.isClean(path) ? undefined : decode(schema, value);
  }

  /** Reports a problem found by a build step (a missing file, two keys that conflict). */
  add(path: KeyPath, message: string): void {
    this.report.add(path, message);
  }
}
