import { describe, expect, it } from 'vitest';
import { formatProblem } from './cell-config.ts';

describe('formatProblem', () => {
  it('reads file:line: key: message, leaving out what is unknown', () => {
    expect(formatProblem({ file: '/s/cell.toml', line: 7, key: 'resources.memory', message: 'bad' })).toBe('/s/cell.toml:7: resources.memory: bad');
    expect(formatProblem({ file: '/s/cell.toml', line: undefined, key: '', message: 'no cell.toml here' })).toBe('/s/cell.toml: no cell.toml here');
  });
});
