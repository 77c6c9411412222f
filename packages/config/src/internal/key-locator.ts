/**
 * Finds the line of a key in TOML source, so errors can say `cell.toml:12`. smol-toml gives
 * positions for syntax errors only, so the source is scanned once: table headers (`[a.b]`),
 * assignments (`k = v`, dotted keys) and the keys of inline tables (`m = { max = "1GB" }`, nested
 * too) each map their key path to the first line that names it. A lookup then answers with the
 * line of the longest known prefix of the wanted path, in time proportional to its depth: locating
 * every problem of a file costs one scan, not one scan per problem.
 */
export type KeyLocator = (path: readonly string[]) => number | undefined;

/** Indexes every key path of `source` to its line, once. */
export function indexKeys(source: string): KeyLocator {
  const lines = new Map<string, number>();
  const note = (keys: readonly string[], line: number) => {
    const id = keys.join('\0');
    if (keys.length > 0 && !lines.has(id)) lines.set(id, line);
  };
  let table: string[] = [];
  let closing: string | undefined; // delimiter of a multi-line string still open
  const all = source.split(/\r?\n/);
  for (let i = 0; i < all.length; i++) {
    let text = all[i]!;
    if (closing) {
      const end = text.indexOf(closing);
      if (end < 0) continue;
      text = text.slice(end + 3);
      closing = undefined;
    }
    text = stripComment(text).trim();
    if (text === '') continue;
    const header = /^\[\[?\s*([^\]]+?)\s*\]\]?$/.exec(text);
    if (header) {
      table = splitKey(header[1]!);
      note(table, i + 1);
      continue;
    }
    const eq = text.indexOf('=');
    if (eq <= 0) continue;
    const keys = [...table, ...splitKey(text.slice(0, eq))];
    note(keys, i + 1);
    const value = text.slice(eq + 1);
    closing = openMultiline(value);
    noteInlineKeys(value, keys, (path) => note(path, i + 1));
  }
  return (path) => {
    for (let depth = path.length; depth > 0; depth--) {
      const line = lines.get(path.slice(0, depth).join('\0'));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

/** The line of one key (indexes the whole source: use {@link indexKeys} for more than one lookup). */
export function locateKey(source: string, path: readonly string[]): number | undefined {
  return indexKeys(source)(path);
}

/** Keys of inline tables in a value, nested ones under their parent: `{ a = { b = 1 } }` -> a, a.b. */
function noteInlineKeys(value: string, base: readonly string[], note: (path: string[]) => void): void {
  const stack: string[][] = []; // key path of each open inline table; arrays push no keys
  let pending: string[] = base.slice(); // the path a `{` opened next would have
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"' || c === "'") {
      i = skipString(value, i);
      continue;
    }
    if (c === '{') {
      stack.push(stack.length === 0 || stack.at(-1)!.length > 0 ? pending : []);
    } else if (c === '[') {
      stack.push([]); // keys inside arrays of inline tables have no stable path
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (stack.length > 0 && stack.at(-1)!.length > 0) {
      const m = /^([A-Za-z0-9_-]+(?:\s*\.\s*[A-Za-z0-9_-]+)*|"[^"]*"|'[^']*')\s*=/.exec(value.slice(i));
      if (m && (i === 0 || /[{,\s]/.test(value[i - 1]!))) {
        pending = [...stack.at(-1)!, ...splitKey(m[1]!)];
        note(pending);
        i += m[0].length - 1;
      }
    }
  }
}

/** Index of the closing quote of the string opening at `start` (or the end of the line). */
function skipString(text: string, start: number): number {
  const quote = text[start]!;
  for (let i = start + 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return text.length;
}

/** The delimiter of a multi-line string a value opens and does not close on its line, if any. */
function openMultiline(value: string): string | undefined {
  const m = /("""|''')/.exec(value);
  if (!m) return undefined;
  return value.indexOf(m[1]!, m.index + 3) < 0 ? m[1] : undefined;
}

function stripComment(line: string): string {
  let inString: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inString) {
      if (c === '\\' && inString === '"') i++;
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
