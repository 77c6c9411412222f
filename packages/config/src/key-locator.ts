/**
 * Finds the line of a key in TOML source, so errors can say `cell.toml:12`. smol-toml gives
 * positions for syntax errors only; this scans headers (`[a.b]`) and assignments (`k = v`,
 * dotted keys, inline tables on one line) and returns the line that names the longest prefix
 * of the wanted path.
 */
export function locateKey(source: string, path: readonly string[]): number | undefined {
  let table: string[] = [];
  let best: { line: number; depth: number } | undefined;
  const consider = (keys: string[], line: number) => {
    let depth = 0;
    while (depth < keys.length && depth < path.length && keys[depth] === path[depth]) depth++;
    if (depth === 0 || depth < keys.length) return; // must be a prefix of the wanted path
    if (!best || depth > best.depth) best = { line, depth };
  };
  const lines = source.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const text = stripComment(lines[i]!).trim();
    if (text === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(text);
    if (header) {
      table = splitKey(header[1]!);
      consider(table, i + 1);
      continue;
    }
    const eq = text.indexOf('=');
    if (eq <= 0) continue;
    const keys = [...table, ...splitKey(text.slice(0, eq))];
    consider(keys, i + 1);
    // Keys of an inline table on the same line: `memory = { max = "1GB" }`.
    for (const m of text.slice(eq + 1).matchAll(/([A-Za-z0-9_-]+|"[^"]*")\s*=/g)) consider([...keys, unquote(m[1]!)], i + 1);
  }
  return best?.line;
}

function stripComment(line: string): string {
  let inString: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === inString) inString = undefined;
    } else if (c === '"' || c === "'") inString = c;
    else if (c === '#') return line.slice(0, i);
  }
  return line;
}

function splitKey(key: string): string[] {
  return (key.match(/"[^"]*"|'[^']*'|[^.\s]+/g) ?? []).map(unquote);
}

function unquote(s: string): string {
  return /^["'].*["']$/.test(s) ? s.slice(1, -1) : s;
}
