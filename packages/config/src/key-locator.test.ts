import { describe, expect, it } from 'vitest';
import { locateKey } from './key-locator.ts';

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
