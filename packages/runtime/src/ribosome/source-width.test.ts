import { describe, expect, it } from 'vitest';
import { firstWideCharacter, wideSourceWarning } from './source-width.ts';

describe('firstWideCharacter', () => {
  it('accepts ASCII and the rest of Latin-1 (one byte per character in V8)', () => {
    expect(firstWideCharacter('const a = 1; // × é ÿ\n')).toBeUndefined();
    expect(firstWideCharacter('')).toBeUndefined();
  });

  it('finds the first character beyond Latin-1, with its 1-based line and column', () => {
    expect(firstWideCharacter('a\nbc /** id × 2^32/φ → */\n')).toEqual({ char: 'φ', line: 2, column: 18 });
    expect(firstWideCharacter('😀')).toEqual({ char: '😀', line: 1, column: 1 });
  });
});

describe('wideSourceWarning', () => {
  it('names the place, the character and what it costs; nothing for a Latin-1 source', () => {
    expect(wideSourceWarning('out.mjs', 'x'.repeat(1000))).toBeUndefined();
    const warning = wideSourceWarning('out.mjs', `${'x'.repeat(2 ** 20)}\n// →\n`);
    expect(warning).toMatch(/^out\.mjs:2:4: "→" \(U\+2192\) is outside Latin-1/);
    expect(warning).toContain('1.0 MiB more in every replica');
  });
});
