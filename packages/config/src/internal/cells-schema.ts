import Type from 'typebox';
import type { SubCellSpec } from '../cell-config.ts';
import type { BuildContext } from './build-context.ts';
import { cellDirectory, cellsFolder } from './cell-paths.ts';
import { table, wholeNumber } from './schema-kit.ts';

const PATH = 'a path to a cell directory';

/** One `[cells]` entry: `"cells/worker"` or `{ path = "cells/api", replicas = 2 }`. */
const SubCellEntry = Type.Union(
  [
    Type.String({ minLength: 1, expected: PATH }),
    table({ path: Type.String({ minLength: 1, expected: PATH }), replicas: Type.Optional(wholeNumber(1, 1000)) }, { expected: 'a table like { path = "cells/api", replicas = 2 }' }),
  ],
  { expected: 'a path or a table like { path = "cells/api", replicas = 2 }' },
);

/** `[cells]`: sub-cells listed by name (those in the `cells/` folder need no entry). */
export const CellsTable = Type.Record(Type.String(), SubCellEntry, { default: {}, expected: 'a table' });

/** Listed sub-cells (directories checked), then those found in the `cells/` folder. */
export function buildCells(ctx: BuildContext): Record<string, SubCellSpec> | undefined {
  const out: Record<string, SubCellSpec> = {};
  const all = ctx.raw(['cells']);
  for (const name of typeof all === 'object' && all !== null ? Object.keys(all) : []) {
    const entry = ctx.decoded(['cells', name], SubCellEntry);
    if (entry === undefined) continue;
    const [path, raw] = typeof entry === 'string' ? [['cells', name], entry] : [['cells', name, 'path'], entry.path];
    const dir = cellDirectory(ctx, path, raw);
    if (dir) out[name] = { dir, replicas: typeof entry === 'string' ? undefined : entry.replicas, discovered: false };
  }
  if (!ctx.isClean(['cells'])) return undefined;
  // Sub-cells in a `cells/` folder are part of the tree without being listed.
  const listed = new Set(Object.values(out).map((c) => c.dir));
  for (const sub of cellsFolder(ctx.dir)) {
    if (!listed.has(sub.dir)) out[sub.name] ??= { dir: sub.dir, replicas: undefined, discovered: true };
  }
  return out;
}
