/**
 * V8 keeps a script's source in memory as one byte per character when every character is
 * Latin-1, and as two bytes otherwise. esbuild escapes non-ASCII characters in code, but keeps
 * some comments (those on class members) as they are: a single "→" in one of them doubles what
 * the source of a ~1 MB bundle costs every replica. This finds such a character, so the build can
 * say so.
 */
export interface WideCharacter {
  char: string;
  /** 1-based line and column of the bundle. */
  line: number;
  column: number;
}

/** Any character above U+00FF (Latin-1 ends there). */
const WIDE = /[\u0100-\u{10ffff}]/u;

/** The first character of `source` outside Latin-1, or undefined when V8 can keep it one byte per character. */
export function firstWideCharacter(source: string): WideCharacter | undefined {
  const match = WIDE.exec(source);
  if (!match) return undefined;
  const before = source.slice(0, match.index);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { char: match[0], line: before.split('\n').length, column: match.index - lineStart + 1 };
}

/** The build warning for a bundle whose source V8 must keep two bytes per character. */
export function wideSourceWarning(outFile: string, source: string): string | undefined {
  const wide = firstWideCharacter(source);
  if (!wide) return undefined;
  const extraMiB = (source.length / 2 ** 20).toFixed(1);
  return (
    `${outFile}:${wide.line}:${wide.column}: "${wide.char}" (U+${wide.char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) ` +
    `is outside Latin-1, most likely in a comment the bundler kept: Node keeps the whole bundle's source two bytes per character, ` +
    `${extraMiB} MiB more in every replica. Write it in ASCII to save that.`
  );
}
