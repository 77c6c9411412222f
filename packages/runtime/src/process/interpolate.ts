import { CellError } from '@cell/protocol';

/** `${NAME}`, `${NAME:-fallback}`, or `$$` (a literal `$`). */
const REFERENCE = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Expands the variables a cell.toml value names, as Compose does: `${NAME}` must be set (else
 * CELL_E_START_FAILED naming the cell and the key), `${NAME:-fallback}` falls back when it is not
 * set or empty, `$$` is a `$`. Expansion is one pass: a value's own `${...}` is not expanded again.
 */
export function interpolate(template: string, vars: Readonly<Record<string, string | undefined>>, where: { cell: string; key: string }): string {
  return template.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$$') return '$';
    const value = vars[name!];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      throw new CellError('CELL_E_START_FAILED', `cell ${where.cell}: ${where.key} names \${${name}}, which is not set (set it in [env], or write \${${name}:-default})`, {
        details: { cell: where.cell, key: where.key, variable: name },
      });
    }
    return value;
  });
}
