import { describe, expect, it } from 'vitest';
import { displayPath, formatDiagnostic, parseDiagnostics } from './typecheck-diagnostics.ts';

const OUTPUT = `../../cells/api/src/main.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.
../../cells/api/src/main.ts(20,3): error TS2322: Type '{ a: string; }' is not assignable to type 'Out'.
  Types of property 'a' are incompatible.
    Type 'string' is not assignable to type 'number'.
error TS5023: Unknown compiler option 'nope'.
/abs/tsconfig.json(3,5): error TS5024: Compiler option 'strict' requires a value of type boolean.

Found 4 errors.
`;

describe('parseDiagnostics', () => {
  it("reads tsc's plain output: file, line, column, code, message and the lines explaining it", () => {
    const d = parseDiagnostics(OUTPUT, '/tree/.cell/typecheck');
    expect(d).toHaveLength(4);
    expect(d[0]).toEqual({ file: '/tree/cells/api/src/main.ts', line: 12, column: 5, category: 'error', code: 2322, message: "Type 'string' is not assignable to type 'number'." });
    expect(d[1]!.message.split('\n')).toEqual([
      "Type '{ a: string; }' is not assignable to type 'Out'.",
      "  Types of property 'a' are incompatible.",
      "    Type 'string' is not assignable to type 'number'.",
    ]);
    expect(d[2]).toMatchObject({ file: null, line: 0, column: 0, code: 5023 });
    expect(d[3]).toMatchObject({ file: '/abs/tsconfig.json', line: 3, column: 5, code: 5024 });
  });

  it('gives nothing for a clean run', () => {
    expect(parseDiagnostics('', '/x')).toEqual([]);
  });
});

describe('formatDiagnostic', () => {
  it('prints a diagnostic as tsc does, relative to the cell', () => {
    const [d] = parseDiagnostics(OUTPUT, '/tree/.cell/typecheck');
    expect(formatDiagnostic(d!, '/tree/cells/api')).toBe("src/main.ts(12,5): error TS2322: Type 'string' is not assignable to type 'number'.");
    expect(formatDiagnostic({ file: null, line: 0, column: 0, category: 'error', code: 5023, message: 'm' }, '/x')).toBe('error TS5023: m');
    expect(displayPath('/tree/shared/contract.ts', '/tree/cells/api')).toBe('../../shared/contract.ts');
  });
});
