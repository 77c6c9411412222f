import Type from 'typebox';
import { Settings } from 'typebox/system';
import { describe, expect, it } from 'vitest';
import { ProblemReport } from './problem-report.ts';
import { CPU, range, sizeUnit, table, wholeNumber } from './schema-kit.ts';
import { reportSchemaProblems } from './schema-problems.ts';

const schema = table({
  name: Type.String({ expected: 'a name' }),
  size: Type.Optional(range(sizeUnit(), sizeUnit(), 'a size or { min, max }')),
  cpu: Type.Optional(range(CPU, CPU, 'cores')),
  replicas: Type.Optional(wholeNumber(1, 10)),
  sub: Type.Optional(table({ path: Type.String({ expected: 'a path' }) }, { missing: 'sub needs a path' })),
  list: Type.Optional(Type.Array(Type.String({ expected: 'a string' }))),
  either: Type.Optional(Type.Union([Type.String(), table({ a: Type.Optional(Type.Integer({ expected: 'an integer' })) })], { expected: 'a string or { a }' })),
});

function problems(value: unknown, source = '') {
  const report = new ProblemReport('cell.toml', source);
  reportSchemaProblems(schema, value, report);
  return Object.fromEntries(report.problems().map((p) => [p.key, p.message]));
}

describe('reportSchemaProblems', () => {
  it('words problems from the schema: expected, message, missing', () => {
    expect(problems({ name: 3, replicas: 0, sub: {} })).toEqual({
      name: 'expected a name, got number 3',
      replicas: 'expected a whole number from 1 to 10, got number 0',
      'sub.path': 'expected a path, got nothing',
    });
    expect(problems({})).toEqual({ name: 'expected a name, got nothing' });
    expect(problems({ name: 'x', size: 256 })).toEqual({ size: 'a size needs a unit, e.g. "256MB"; got the bare number 256' });
  });

  it('reports unknown keys with a suggestion and the keys allowed', () => {
    expect(problems({ name: 'x', nmae: 'y', sub: { path: 'p', pth: 1 } })).toEqual({
      nmae: 'unknown key (did you mean "name"?); expected one of: name, size, cpu, replicas, sub, list, either',
      'sub.pth': 'unknown key (did you mean "path"?); expected one of: path',
    });
  });

  it('reports array items by index', () => {
    expect(problems({ name: 'x', list: ['a', 2] })).toEqual({ 'list[1]': 'expected a string, got number 2' });
  });

  it('reports a union through the branch that takes the value, else as a whole', () => {
    expect(problems({ name: 'x', either: { a: 'no' } })).toEqual({ 'either.a': 'expected an integer, got "no"' });
    expect(problems({ name: 'x', either: true })).toEqual({ either: 'expected a string or { a }, got boolean true' });
    expect(problems({ name: 'x', size: { min: '2GB', max: '1GB' } })).toEqual({ size: 'min is above max' });
    expect(problems({ name: 'x', size: { max: 'lots' } })).toEqual({ 'size.max': expect.stringContaining('"lots" is not a size') });
    expect(problems({ name: 'x', cpu: 0 })).toEqual({ cpu: 'cpu must be above 0, got 0' });
    expect(problems({ name: 'x', cpu: true })).toEqual({ cpu: expect.stringContaining('got boolean true') });
  });

  it('gives each problem its line', () => {
    const report = new ProblemReport('cell.toml', 'name = "x"\n\n[sub]\npath = 3\n');
    reportSchemaProblems(schema, { name: 'x', sub: { path: 3 } }, report);
    expect(report.problems()).toEqual([{ file: 'cell.toml', line: 4, key: 'sub.path', message: 'expected a path, got number 3' }]);
  });

  it('collects every error, then leaves the process-wide TypeBox setting as it was', () => {
    const before = Settings.Get().maxErrors;
    const value: Record<string, unknown> = { name: 'x' };
    for (let i = 0; i < 300; i++) value[`k${i}`] = i;
    const report = new ProblemReport('cell.toml', '');
    reportSchemaProblems(schema, value, report);
    expect(report.count).toBe(300);
    expect(Settings.Get().maxErrors).toBe(before);
  });
});
