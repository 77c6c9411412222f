import { describe, expect, it } from 'vitest';
import { indexKeys, locateKey } from './key-locator.ts';

const toml = `# a cell
[cell]
name = "orders"   # inline comment
entry = "src/main.ts"

[resources]
memory = { min = "64MB", max = "12 potatoes" }
cpu.max = 2

[deps]
"pay-ments" = "../payments"
`;

describe('locateKey', () => {
  it('finds assignments under their table', () => {
    expect(locateKey(toml, ['cell', 'entry'])).toBe(4);
    expect(locateKey(toml, ['cell', 'name'])).toBe(3);
  });
  it('finds keys inside inline tables and dotted keys', () => {
    expect(locateKey(toml, ['resources', 'memory', 'max'])).toBe(7);
    expect(locateKey(toml, ['resources', 'cpu', 'max'])).toBe(8);
  });
  it('finds quoted keys and falls back to the table header', () => {
    expect(locateKey(toml, ['deps', 'pay-ments'])).toBe(11);
    expect(locateKey(toml, ['deps', 'missing'])).toBe(10);
    expect(locateKey(toml, ['auth'])).toBeUndefined();
  });
});

describe('indexKeys', () => {
  it('places keys of nested inline tables under their parent', () => {
    const locate = indexKeys('[life_cycle]\nrestart = { max = 3,\n}\nx = 1\nlife = { restart = { max = "x" }, grace = "1s" }\n');
    expect(locate(['life_cycle', 'life', 'restart', 'max'])).toBe(5);
    expect(locate(['life_cycle', 'life', 'grace'])).toBe(5);
    expect(locate(['life_cycle', 'life', 'max'])).toBe(5); // falls back to `life`
    expect(locate(['life_cycle', 'x'])).toBe(4);
  });

  it('ignores look-alikes inside strings, comments and multi-line strings', () => {
    const locate = indexKeys('[cell]\ndescription = """\n[auth]\nname = 1\n"""\nentry = "a = b" # c = d\n');
    expect(locate(['auth'])).toBeUndefined();
    expect(locate(['cell', 'name'])).toBe(1);
    expect(locate(['cell', 'entry', 'a'])).toBe(6);
    expect(locate(['cell', 'entry', 'c'])).toBe(6);
  });

  it('keeps the first line that names a key', () => {
    expect(indexKeys('[deps]\na = "x"\n[deps]\na = "y"\n')(['deps', 'a'])).toBe(2);
  });

  it('indexes a large file once: 20,000 lookups in 20,000 lines stay fast', () => {
    const source = `[cell]\n${Array.from({ length: 20_000 }, (_, i) => `k${i} = ${i}`).join('\n')}\n`;
    const started = performance.now();
    const locate = indexKeys(source);
    for (let i = 0; i < 20_000; i++) expect(locate(['cell', `k${i}`])).toBe(i + 2);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});
