import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isCellErrorCode } from './error-codes.ts';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map([...docs.matchAll(/^\| `(CELL_E_[A-Z_]+)` \| ([^|]+) \|/gm)].map((m) => [m[1]!, m[2]!.trim()]));

describe('error code table', () => {
  it('documents every code in docs/errors.md with the same meaning', () => {
    for (const [code, meaning] of Object.entries(ERROR_CODES)) {
      expect(documented.has(code), `${code} missing from docs/errors.md`).toBe(true);
      expect(documented.get(code)).toBe(meaning);
    }
  });

  it('documents no code that does not exist', () => {
    for (const code of documented.keys()) expect(isCellErrorCode(code), `${code} is not in ERROR_CODES`).toBe(true);
  });

  it('follows the CELL_E_ naming scheme', () => {
    for (const code of Object.keys(ERROR_CODES)) expect(code).toMatch(/^CELL_E_[A-Z]+(_[A-Z]+)*$/);
  });
});
