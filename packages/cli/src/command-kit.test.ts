import { describe, expect, it } from 'vitest';
import { CellError } from '@cell/protocol';
import { configProblems, jsonFlag } from './command-kit.ts';

describe('configProblems', () => {
  it("gives a config error's cell.toml problems", () => {
    const problems = [{ file: '/t/cell.toml', line: 3, key: 'cell.name', message: 'expected a name' }];
    expect(configProblems(new CellError('CELL_E_CONFIG_INVALID', '1 problem', { details: { problems } }))).toEqual(problems);
  });

  it('gives nothing for other errors, even ones with a problems list of another shape (printed as errors, not as cell.toml lines)', () => {
    expect(configProblems(new CellError('CELL_E_INVALID_ARGUMENT', 'invalid launch environment', { details: { problems: ['CELL_DEPS is not JSON'] } }))).toBeUndefined();
    expect(configProblems(new CellError('CELL_E_INVALID_ARGUMENT', 'x', { details: { problems: [] } }))).toBeUndefined();
    expect(configProblems(new Error('plain'))).toBeUndefined();
  });
});

describe('jsonFlag', () => {
  it("is true when a command's options ask for --json", () => {
    expect(jsonFlag(['dir', { json: true }])).toBe(true);
    expect(jsonFlag(['dir', { json: false }, {}])).toBe(false);
    expect(jsonFlag([])).toBe(false);
  });
});
